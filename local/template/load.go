// Package template deploys a synthesized CloudFormation template from cdk.out into the local cloud:
// it reads the cloud assembly (manifest, template, assets), resolves the intrinsic functions, creates
// the resources in dependency order through the local cloud's endpoint with the real SDK clients (and
// the local Lambda, event source mappings and Step Functions), names them the way CloudFormation does,
// records the resources that have no local meaning, computes the stack Outputs, and tears it all down.
package template

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Assembly is one stack of a cloud assembly (a cdk.out directory).
type Assembly struct {
	Dir       string // the cdk.out directory
	StackName string
	// Environment is the stack's target as the manifest has it, aws://<account>/<region>, each
	// unknown-account or unknown-region for an environment-agnostic stack ("" when it says none).
	Environment string
	Template    *Template
	// assets maps an asset's S3 object key ("<hash>.zip") to its source path under Dir.
	assets map[string]string
}

type manifest struct {
	Artifacts map[string]struct {
		Type         string   `json:"type"`
		Environment  string   `json:"environment"`
		Dependencies []string `json:"dependencies"`
		Properties   struct {
			TemplateFile string `json:"templateFile"`
			File         string `json:"file"`
			StackName    string `json:"stackName"`
		} `json:"properties"`
	} `json:"artifacts"`
}

type assetManifest struct {
	Files map[string]struct {
		Source struct {
			Path      string `json:"path"`
			Packaging string `json:"packaging"`
		} `json:"source"`
		Destinations map[string]struct {
			ObjectKey string `json:"objectKey"`
		} `json:"destinations"`
	} `json:"files"`
}

// Load reads cdkOut/manifest.json and the stack artifact stackName (its id or its stackName), its
// template, and its asset manifest.
func Load(cdkOut, stackName string) (*Assembly, error) {
	mpath := filepath.Join(cdkOut, "manifest.json")
	b, err := os.ReadFile(mpath)
	if err != nil {
		return nil, fmt.Errorf("cloud assembly: %w (run npx cdk synth first)", err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", mpath, err)
	}
	var found bool
	var templateFile, env string
	var deps []string
	var stacks []string
	for id, a := range m.Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		stacks = append(stacks, id)
		if id == stackName || a.Properties.StackName == stackName {
			found, templateFile, deps, env = true, a.Properties.TemplateFile, a.Dependencies, a.Environment
			if a.Properties.StackName != "" {
				stackName = a.Properties.StackName
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("%s: no stack %q (stacks: %s)", mpath, stackName, strings.Join(stacks, ", "))
	}
	tpath := filepath.Join(cdkOut, templateFile)
	tb, err := os.ReadFile(tpath)
	if err != nil {
		return nil, fmt.Errorf("stack %s: template: %w", stackName, err)
	}
	var t Template
	if err := json.Unmarshal(tb, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", tpath, err)
	}
	if t.Transform != nil {
		tr, _ := json.Marshal(t.Transform)
		return nil, fmt.Errorf("%s: Transform %s: the local cloud runs no transforms (CloudFormation's macros, SAM's among them): deploy the template it expands to (aws cloudformation get-template --template-stage Processed prints it)", tpath, tr)
	}
	asm := &Assembly{Dir: cdkOut, StackName: stackName, Environment: env, Template: &t, assets: map[string]string{}}
	for _, dep := range deps {
		a, ok := m.Artifacts[dep]
		if !ok || a.Type != "cdk:asset-manifest" {
			continue
		}
		apath := filepath.Join(cdkOut, a.Properties.File)
		ab, err := os.ReadFile(apath)
		if err != nil {
			return nil, fmt.Errorf("stack %s: asset manifest: %w", stackName, err)
		}
		var am assetManifest
		if err := json.Unmarshal(ab, &am); err != nil {
			return nil, fmt.Errorf("%s: %w", apath, err)
		}
		for hash, f := range am.Files {
			for _, d := range f.Destinations {
				asm.assets[d.ObjectKey] = f.Source.Path
			}
			asm.assets[hash] = f.Source.Path
		}
	}
	return asm, nil
}

// CodeDir finds the directory holding a Lambda function's code: the resource's aws:asset:path
// metadata, else the asset whose object key is Code.S3Key. A zipped asset is extracted under
// scratch. Inline code (Code.ZipFile) has no directory.
func (a *Assembly) CodeDir(logicalID string, res Resource, s3Key string, scratch string) (string, error) {
	path, _ := res.Metadata["aws:asset:path"].(string)
	if path == "" && s3Key != "" {
		path = a.assets[s3Key]
		if path == "" {
			path = a.assets[strings.TrimSuffix(s3Key, ".zip")]
		}
	}
	if path == "" {
		return "", fmt.Errorf("%s: Code: no asset for S3Key %q in the cloud assembly", logicalID, s3Key)
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(a.Dir, path)
	}
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("%s: Code: %w", logicalID, err)
	}
	if st.IsDir() {
		return path, nil
	}
	dest := filepath.Join(scratch, "assets", logicalID)
	if err := unzip(path, dest); err != nil {
		return "", fmt.Errorf("%s: Code: %w", logicalID, err)
	}
	return dest, nil
}

func unzip(src, dest string) error {
	r, err := zip.OpenReader(src)
	if err != nil {
		return err
	}
	defer r.Close()
	for _, f := range r.File {
		p := filepath.Join(dest, f.Name)
		if !strings.HasPrefix(p, filepath.Clean(dest)+string(os.PathSeparator)) {
			return fmt.Errorf("%s: entry %q escapes the directory", src, f.Name)
		}
		if f.FileInfo().IsDir() {
			os.MkdirAll(p, 0o755)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		w, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, f.Mode()|0o400)
		if err != nil {
			rc.Close()
			return err
		}
		_, err = io.Copy(w, rc)
		rc.Close()
		w.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// CheckEnvironment refuses a stack synthesized for another account or region than account and
// region, as the CDK CLI refuses to deploy it with credentials of another account: its policies
// and ARNs name that account and region (arn:aws:ssm:eu-west-1:123456789012:parameter/...), so
// every call the stack's roles make here would be denied.
func (a *Assembly) CheckEnvironment(account, region string) error {
	rest, ok := strings.CutPrefix(a.Environment, "aws://")
	if !ok {
		return nil // none given: environment-agnostic
	}
	acct, reg, _ := strings.Cut(rest, "/")
	var wrong []string
	if acct != "unknown-account" && acct != account {
		wrong = append(wrong, "account "+acct)
	}
	if reg != "unknown-region" && reg != region {
		wrong = append(wrong, "region "+reg)
	}
	if len(wrong) == 0 {
		return nil
	}
	return fmt.Errorf("stack %s is synthesized for %s (its manifest's environment %s), and this cloud is account %s in %s: its policies and ARNs would name that environment and every call its roles make would be denied; synthesize it environment-agnostic (no env on the stack) or for aws://%s/%s",
		a.StackName, strings.Join(wrong, " and "), a.Environment, account, region, account, region)
}
