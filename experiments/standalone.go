package experiments

// Writing an experiment that stands alone: its file:// queries inlined, only the members a Chaos
// Toolkit experiment file has (chaoslab import-fis writes its translations with these).

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// NoFiles is a directory with nothing in it: an experiment parsed from it (Parse) must carry every
// query itself, as a file written by MarshalFile after InlineFiles does.
var NoFiles fs.FS = noFiles{}

type noFiles struct{}

func (noFiles) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// InlineFiles writes the file:// metric data queries of e's probes (a borrowed hypothesis's,
// such as the shipped experiments' file://steadyStateError.json) into the probes, so that the
// experiment stands alone wherever it is written: into the aws CLI's --metric-data-queries as
// a quoted JSON word, into the native probe's metric_data_queries as JSON.
func InlineFiles(e *Experiment) error {
	if e.SteadyState == nil {
		return nil
	}
	read := func(ref string) ([]byte, error) {
		rest := strings.TrimPrefix(ref, "file://")
		if e.FS == nil {
			return nil, fmt.Errorf("%s: the experiment was not read from a file", ref)
		}
		b, err := fs.ReadFile(e.FS, path.Clean(path.Join(e.Dir, rest)))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", ref, err)
		}
		var c bytes.Buffer
		if err := json.Compact(&c, b); err != nil {
			return nil, fmt.Errorf("%s: %w", ref, err)
		}
		return c.Bytes(), nil
	}
	for i := range e.SteadyState.Probes {
		pv := e.SteadyState.Probes[i].Provider
		if pv == nil {
			continue
		}
		switch pv.Type {
		case "process":
			var argStr string
			if json.Unmarshal(pv.Arguments, &argStr) != nil || !strings.Contains(argStr, "file://") {
				continue
			}
			words, err := splitWordsKeepingVars(argStr)
			if err != nil {
				continue // the compiler reports it
			}
			for _, w := range words {
				// file://x as a word of its own, or as the value of --option=file://x.
				opt, ref := "", w.Text
				if o, v, ok := strings.Cut(w.Text, "="); ok && strings.HasPrefix(o, "--") && strings.HasPrefix(v, "file://") {
					opt, ref = o+"=", v
				}
				if !strings.HasPrefix(ref, "file://") {
					continue
				}
				data, err := read(ref)
				if err != nil {
					return err
				}
				quoted := opt + "'" + strings.ReplaceAll(string(data), "'", `'\''`) + "'"
				replaced := false
				for _, form := range []string{opt + "'" + ref + "'", opt + `"` + ref + `"`, "'" + opt + ref + "'", `"` + opt + ref + `"`, opt + ref} {
					if strings.Contains(argStr, form) {
						argStr, replaced = strings.Replace(argStr, form, quoted, 1), true
						break
					}
				}
				if !replaced {
					return fmt.Errorf("probe %q: cannot write %s inline", e.SteadyState.Probes[i].Name, w.Text)
				}
			}
			if pv.Arguments, err = json.Marshal(argStr); err != nil {
				return err
			}
		case "python":
			var args map[string]json.RawMessage
			if json.Unmarshal(pv.Arguments, &args) != nil {
				continue
			}
			var ref string
			if json.Unmarshal(args["metric_data_queries"], &ref) != nil || !strings.HasPrefix(ref, "file://") {
				continue
			}
			data, err := read(ref)
			if err != nil {
				return err
			}
			args["metric_data_queries"] = data
			if pv.Arguments, err = json.Marshal(args); err != nil {
				return err
			}
		}
	}
	return nil
}

// The experiment as its file is written: Chaos Toolkit's members only where they hold
// something. (Experiment writes every member, "ref": "" among them, which Chaos
// Toolkit rejects: a reference must be a non-empty string.)
type (
	experimentFile struct {
		Version       string                     `json:"version,omitempty"`
		Title         string                     `json:"title"`
		Description   string                     `json:"description"`
		Tags          []string                   `json:"tags,omitempty"`
		Configuration map[string]json.RawMessage `json:"configuration,omitempty"`
		SteadyState   *hypothesisFile            `json:"steady-state-hypothesis,omitempty"`
		Method        []activityFile             `json:"method"`
		Rollbacks     []activityFile             `json:"rollbacks,omitempty"`
		Extensions    []json.RawMessage          `json:"extensions,omitempty"`
		Runtime       json.RawMessage            `json:"runtime,omitempty"`
	}
	hypothesisFile struct {
		Title  string         `json:"title"`
		Probes []activityFile `json:"probes"`
	}
	activityFile struct {
		Type      string          `json:"type"`
		Name      string          `json:"name"`
		Tolerance json.RawMessage `json:"tolerance,omitempty"`
		Provider  *providerFile   `json:"provider,omitempty"`
		Pauses    *pausesFile     `json:"pauses,omitempty"`
	}
	providerFile struct {
		Type      string          `json:"type"`
		Path      string          `json:"path,omitempty"`
		Module    string          `json:"module,omitempty"`
		Func      string          `json:"func,omitempty"`
		Arguments json.RawMessage `json:"arguments,omitempty"`
		Timeout   json.RawMessage `json:"timeout,omitempty"`
	}
	pausesFile struct {
		Before *Seconds `json:"before,omitempty"`
		After  *Seconds `json:"after,omitempty"`
	}
)

// MarshalFile is e as an indented Chaos Toolkit experiment file. What the file format has and
// an imported experiment never holds (secrets, controls, refs, background activities) would be
// refused by the compiler: it is an error here too, rather than silently dropped.
func MarshalFile(e *Experiment) ([]byte, error) {
	if len(nonNull(e.Secrets)) > 0 || len(nonNull(e.Controls)) > 0 || (e.SteadyState != nil && len(nonNull(e.SteadyState.Controls)) > 0) {
		return nil, errors.New("the experiment has secrets or controls, which are not written")
	}
	acts := func(as []Activity) ([]activityFile, error) {
		out := make([]activityFile, 0, len(as))
		for _, a := range as {
			if a.Ref != "" || a.Background || len(nonNull(a.Controls)) > 0 {
				return nil, fmt.Errorf("activity %q: a ref, background or controls are not written", a.Name)
			}
			f := activityFile{Type: a.Type, Name: a.Name, Tolerance: nonNull(a.Tolerance)}
			if p := a.Provider; p != nil {
				f.Provider = &providerFile{Type: p.Type, Path: p.Path, Module: p.Module, Func: p.Func,
					Arguments: nonNull(p.Arguments), Timeout: nonNull(p.Timeout)}
			}
			if p := a.Pauses; p != nil {
				given := func(s Seconds) *Seconds {
					if s.N > 0 || s.Var != "" {
						return &s
					}
					return nil
				}
				if before, after := given(p.Before), given(p.After); before != nil || after != nil {
					f.Pauses = &pausesFile{Before: before, After: after}
				}
			}
			out = append(out, f)
		}
		return out, nil
	}
	f := experimentFile{Version: e.Version, Title: e.Title, Description: e.Description, Tags: e.Tags,
		Configuration: e.Configuration, Extensions: e.Extensions, Runtime: nonNull(e.Runtime)}
	var err error
	if e.SteadyState != nil {
		f.SteadyState = &hypothesisFile{Title: e.SteadyState.Title}
		if f.SteadyState.Probes, err = acts(e.SteadyState.Probes); err != nil {
			return nil, err
		}
	}
	if f.Method, err = acts(e.Method); err != nil {
		return nil, err
	}
	if f.Rollbacks, err = acts(e.Rollbacks); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // descriptions and shell arguments are read by people: & stays &
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// nonNull is raw, or nil when it is JSON null or empty.
func nonNull(raw json.RawMessage) json.RawMessage {
	if t := bytes.TrimSpace(raw); len(t) == 0 || string(t) == "null" {
		return nil
	}
	return raw
}
