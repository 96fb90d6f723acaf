package experiments

import (
	"strings"
	"testing"
)

// GIVEN a shipped experiment whose probes read their queries from file:// WHEN its queries are
// inlined and it is marshalled THEN the file stands alone: it parses with no directory around it,
// validates, and holds no member Chaos Toolkit refuses ("ref": "").
func TestMarshalFileStandsAlone(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			e, err := LoadDefinition(name)
			if err != nil {
				t.Fatal(err)
			}
			if err := InlineFiles(e); err != nil {
				t.Fatal(err)
			}
			b, err := MarshalFile(e)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), "file://") || strings.Contains(string(b), `"ref": ""`) {
				t.Errorf("not standalone:\n%s", b)
			}
			back, err := Parse(b, name, NoFiles, ".")
			if err != nil {
				t.Fatal(err)
			}
			if err := Validate(back); err != nil {
				t.Errorf("read back: %v", err)
			}
		})
	}
}

// The aws CLI's --option=file://x form is inlined too, in each quoting: its value becomes the
// quoted JSON, the option kept.
func TestInlineFilesOptionForm(t *testing.T) {
	for _, form := range []string{`--metric-data-queries=file://q.json`, `--metric-data-queries='file://q.json'`,
		`'--metric-data-queries=file://q.json'`, `\"--metric-data-queries=file://q.json\"`} {
		t.Run(form, func(t *testing.T) {
			src := strings.NewReplacer("PROBES", strings.Replace(cliProbe, "--metric-data-queries ARG", form, 1), "METHOD", okAction).Replace(base)
			e := parseExperiment(t, src)
			if err := InlineFiles(e); err != nil {
				t.Fatal(err)
			}
			b, err := MarshalFile(e)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), "file://") || !strings.Contains(string(b), `--metric-data-queries='[{`) {
				t.Errorf("not inlined as --metric-data-queries='<JSON>':\n%s", b)
			}
			back, err := Parse(b, "test.json", NoFiles, ".")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Compile(back, CompileOptions{Env: testEnv}); err != nil {
				t.Errorf("read back: %v", err)
			}
		})
	}
}
