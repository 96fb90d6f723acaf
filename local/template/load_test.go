package template

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadFixture(t *testing.T) {
	asm, err := Load("testdata/cdk.out", "Fixture")
	if err != nil {
		t.Fatal(err)
	}
	if asm.StackName != "Fixture" || len(asm.Template.Resources) == 0 {
		t.Fatalf("stack %q with %d resources", asm.StackName, len(asm.Template.Resources))
	}
	fn := asm.Template.Resources["Fn9270CBC0"]
	tests := []struct {
		name    string
		res     Resource
		s3Key   string
		want    string
		wantErr string
	}{
		{name: "from aws:asset:path metadata", res: fn, want: "asset.0123abcd"},
		{name: "from the S3Key via the asset manifest", res: Resource{Type: fn.Type}, s3Key: "0123abcd.zip", want: "asset.0123abcd"},
		{name: "unknown key", res: Resource{Type: fn.Type}, s3Key: "nope.zip", wantErr: `no asset for S3Key "nope.zip"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir, err := asm.CodeDir("Fn9270CBC0", tc.res, tc.s3Key, t.TempDir())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "Fn9270CBC0") {
					t.Fatalf("err = %v, want %q naming the resource", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Base(dir) != tc.want {
				t.Errorf("dir = %s, want %s", dir, tc.want)
			}
		})
	}
	if providers := customResourceProviders(asm.Template); len(providers) != 2 ||
		!providers["BucketNotificationsHandler050a0587b7544547bf325f094a3db8347ECC3691"] ||
		!providers["CustomS3AutoDeleteObjectsCustomResourceProviderHandler9D90184F"] {
		t.Errorf("custom resource providers = %v, want the CDK's two handlers", providers)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, dir, stack, want string
	}{
		{name: "no assembly", dir: t.TempDir(), stack: "X", want: "run npx cdk synth first"},
		{name: "unknown stack", dir: "testdata/cdk.out", stack: "Other", want: `no stack "Other" (stacks: Fixture)`},
	}
	// A template with a Transform (SAM's, a macro) is refused, where it was deployed without it.
	sam := t.TempDir()
	if err := os.CopyFS(sam, os.DirFS("testdata/cdk.out")); err != nil {
		t.Fatal(err)
	}
	tpl := filepath.Join(sam, "Fixture.template.json")
	b, err := os.ReadFile(tpl)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tpl, bytes.Replace(b, []byte("{"), []byte(`{"Transform": "AWS::Serverless-2016-10-31",`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	tests = append(tests, struct{ name, dir, stack, want string }{name: "a transform", dir: sam, stack: "Fixture",
		want: `Fixture.template.json: Transform "AWS::Serverless-2016-10-31": the local cloud runs no transforms`})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.dir, tc.stack)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestUnknownTypeFailsBeforeCreatingAnything(t *testing.T) {
	var tmpl Template
	if err := json.Unmarshal([]byte(`{"Resources":{
		"Queue":{"Type":"AWS::SQS::Queue"},
		"Instance1":{"Type":"AWS::EC2::Instance"},
		"Api":{"Type":"AWS::ApiGateway::RestApi"},
		"Hook":{"Type":"Custom::Something","Properties":{"ServiceToken":"arn:aws:lambda:us-east-1:000000000000:function:x"}}}}`), &tmpl); err != nil {
		t.Fatal(err)
	}
	// No backends at all: any creation attempt would fail differently.
	_, err := Deploy(context.Background(), &Assembly{StackName: "S", Template: &tmpl}, Options{ScratchDir: t.TempDir()})
	if err == nil {
		t.Fatal("deploy succeeded")
	}
	for _, want := range []string{"resource Instance1: type AWS::EC2::Instance", "resource Api: type AWS::ApiGateway::RestApi", "resource Hook: type Custom::Something"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to contain %q", err, want)
		}
	}
}

// A stack synthesized for an account or region other than the cloud's is refused before anything
// is created, as the CDK CLI refuses to deploy it with another account's credentials: its
// policies would name that environment, and every call of its roles be denied at run time.
func TestDeployRefusesAStackOfAnotherEnvironment(t *testing.T) {
	asm, err := Load("testdata/cdk.out", "Fixture")
	if err != nil {
		t.Fatal(err)
	}
	if asm.Environment != "aws://unknown-account/unknown-region" {
		t.Errorf("the fixture's environment %q, want the manifest's", asm.Environment)
	}
	for _, tc := range []struct{ env, want string }{
		{"aws://unknown-account/unknown-region", ""},
		{"", ""},
		{"aws://000000000000/us-east-1", ""},
		{"aws://unknown-account/us-east-1", ""},
		{"aws://123456789012/eu-west-1", "stack Fixture is synthesized for account 123456789012 and region eu-west-1 (its manifest's environment aws://123456789012/eu-west-1), and this cloud is account 000000000000 in us-east-1"},
		{"aws://000000000000/eu-west-1", "synthesized for region eu-west-1"},
		{"aws://123456789012/unknown-region", "synthesized for account 123456789012 ("},
	} {
		asm.Environment = tc.env
		err := asm.CheckEnvironment("000000000000", "us-east-1")
		if (err != nil) != (tc.want != "") || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.env, err, tc.want)
		}
	}
	// Deploy asks first: no backends here, so any creation would fail otherwise.
	asm.Environment = "aws://123456789012/eu-west-1"
	if _, err := Deploy(context.Background(), asm, Options{ScratchDir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "synthesize it environment-agnostic") {
		t.Errorf("deploy: %v, want the environment refused", err)
	}
}

// What a teardown could not delete stays in the deployment, and a teardown again deletes it and only
// it (CloudFormation's DELETE_FAILED keeps a stack's remaining resources for a retry); the names
// the stack claimed are released once nothing is left.
func TestTeardownKeepsWhatItCouldNotDelete(t *testing.T) {
	var deleted []string
	bucketFails := true
	released := 0
	dep := &Deployment{StackName: "S", releases: []func(){func() { released++ }}}
	for _, what := range []string{"Queue", "Bucket", "Function"} {
		dep.undo = append(dep.undo, undo{what: what, timeout: time.Second, fn: func(context.Context) error {
			if what == "Bucket" && bucketFails {
				return errors.New("ListObjectsV2: XML syntax error")
			}
			deleted = append(deleted, what)
			return nil
		}})
	}
	err := dep.Teardown(context.Background())
	if err == nil || !strings.Contains(err.Error(), "delete Bucket: ListObjectsV2: XML syntax error") || released != 0 {
		t.Fatalf("first teardown: %v, %d releases; want the bucket's failure, no name released", err, released)
	}
	if strings.Join(deleted, ",") != "Function,Queue" || len(dep.undo) != 1 || dep.undo[0].what != "Bucket" {
		t.Fatalf("deleted %v, left %v; want the others deleted, newest first, and the bucket left", deleted, dep.undo)
	}
	bucketFails = false
	if err := dep.Teardown(context.Background()); err != nil || strings.Join(deleted, ",") != "Function,Queue,Bucket" || released != 1 || len(dep.undo) != 0 {
		t.Errorf("second teardown: %v, deleted %v, %d releases; want the bucket alone deleted, the names released", err, deleted, released)
	}
}
