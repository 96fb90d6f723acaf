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
