package labs

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

const sample = "# A lab\n" +
	"\n" +
	"```sh local background name=cloud\n" +
	"go run ./drivers/chaoslab local up\n" +
	"```\n" +
	"\n" +
	"```text expect timeout=10m\n" +
	"local cloud: ready at http://127.0.0.1:{port} in {n}s\n" +
	"```\n" +
	"\n" +
	"In AWS:\n" +
	"\n" +
	"```sh\n" +
	"npx cdk deploy --outputs-file outputs.json\n" +
	"```\n" +
	"\n" +
	"~~~sh local exit=1 timeout=3m\n" +
	"go run ./drivers/chaoslab run exp_1-minor_delay\n" +
	"~~~\n" +
	"\n" +
	"```text expect\n" +
	"verdict: deviated\n" +
	"```\n" +
	"\n" +
	"````markdown\n" +
	"```sh local\n" +
	"not a block: an example inside a longer fence\n" +
	"```\n" +
	"````\n" +
	"\n" +
	"```text expect from=cloud\n" +
	"local cloud: dashboard ...\n" +
	"```\n" +
	"\n" +
	"```sh local interrupt=cloud timeout=1m\n" +
	"# Ctrl-C in the cloud's terminal\n" +
	"```\n"

func TestParse(t *testing.T) {
	blocks, err := Parse("lab.md", []byte(sample), map[string]bool{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	type row struct {
		Line    int
		Kind    Kind
		Name    string
		Target  string
		Exit    int
		Timeout time.Duration
		Body    string
	}
	var got []row
	for _, b := range blocks {
		got = append(got, row{b.Line, b.Kind, b.Name, b.Target, b.Exit, b.Timeout, b.Body})
	}
	want := []row{
		{3, Background, "cloud", "", 0, 0, "go run ./drivers/chaoslab local up\n"},
		{7, Expectation, "", "", 0, 10 * time.Minute, "local cloud: ready at http://127.0.0.1:{port} in {n}s\n"},
		{17, Command, "", "", 1, 3 * time.Minute, "go run ./drivers/chaoslab run exp_1-minor_delay\n"},
		{21, Expectation, "", "", 0, 0, "verdict: deviated\n"},
		{31, Expectation, "", "cloud", 0, 0, "local cloud: dashboard ...\n"},
		{35, Interrupt, "", "cloud", 0, time.Minute, "# Ctrl-C in the cloud's terminal\n"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Parse:\n got %+v\nwant %+v", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		started   []string
		wantErr   []string
	}{
		{"unknown attribute", "```sh local backgrond\nx\n```\n", nil, []string{`lab.md:1: unknown attribute "backgrond"`}},
		{"background without a name", "```sh local background\nx\n```\n", nil, []string{"needs name="}},
		{"name used twice", "```sh local background name=a\nx\n```\n", []string{"a"}, []string{`"a" is already used`}},
		{"interrupt of nothing", "```sh local interrupt=pub\n# ^C\n```\n", nil, []string{"interrupt=pub: no background block"}},
		{"expect from nothing", "```text expect from=sub\nx\n```\n", nil, []string{"from=sub: no background block"}},
		{"expect after nothing", "Prose.\n\n```text expect\nx\n```\n", nil, []string{"must follow a sh local block"}},
		{"expect after an AWS block", "```sh local\nx\n```\n\n```sh\naws y\n```\n\n```text expect\nx\n```\n", nil,
			[]string{"lab.md:9: an expect block without from= must follow"}},
		{"expect after an interrupt", "```sh local interrupt=a\n# ^C\n```\n```text expect\nx\n```\n", []string{"a"}, []string{"needs from="}},
		{"bad exit and timeout", "```sh local exit=x timeout=soon\nx\n```\n", nil, []string{"exit=x", "timeout=soon"}},
		{"empty expect", "```sh local\nx\n```\n```text expect\n...\n```\n", nil, []string{"lab.md:4: an expect block must hold at least one line"}},
		{"bad pattern", "```sh local\nx\n```\n```text expect\n{n:9..1}\n```\n", nil, []string{"lower bound is above"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			started := map[string]bool{}
			for _, s := range tt.started {
				started[s] = true
			}
			_, err := Parse("lab.md", []byte(tt.doc), started)
			if err == nil {
				t.Fatalf("Parse: no error; want %q", tt.wantErr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Parse error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestFencesUnclosed(t *testing.T) {
	// An unclosed fence runs to the end of the document, as in CommonMark.
	f := fences([]byte("text\n  ```sh local\necho hi\n"))
	if len(f) != 1 || f[0].body != "echo hi\n" || f[0].line != 2 {
		t.Fatalf("fences = %+v", f)
	}
	// Four spaces of indent is an indented code block, not a fence; a backtick in the info string
	// makes an inline code span.
	if f := fences([]byte("    ```sh local\nx\n    ```\n``` a`b\n")); len(f) != 0 {
		t.Fatalf("fences = %+v; want none", f)
	}
}

// TestGuides checks the guides in docs/labs without running them (make test runs this; make labs
// walks them): each parses, the lab files are numbered 1 to N without gaps, each one runs
// something, and the index links every lab.
func TestGuides(t *testing.T) {
	dir := filepath.Join("..", "..", "docs", "labs")
	files, err := GuideFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 4 {
		t.Fatalf("docs/labs holds %d lab guides; want the four labs", len(files))
	}
	index, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatalf("the index: %v", err)
	}
	started := map[string]bool{}
	for i, f := range files {
		base := filepath.Base(f)
		if want := "lab-" + string(rune('1'+i)) + "-"; !strings.HasPrefix(base, want) {
			t.Errorf("%s: lab %d should be named %s*.md", base, i+1, want)
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		blocks, err := Parse(base, src, started)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		runs := 0
		for _, b := range blocks {
			if b.Kind == Command {
				runs++
			}
		}
		if runs == 0 {
			t.Errorf("%s: no sh local block: the walker would test nothing", base)
		}
		if !strings.Contains(string(index), "("+base+")") {
			t.Errorf("README.md does not link %s", base)
		}
		for _, m := range relLink.FindAllStringSubmatch(string(src), -1) {
			target := strings.SplitN(m[1], "#", 2)[0]
			if target == "" || strings.Contains(target, "://") {
				continue
			}
			if _, err := os.Stat(filepath.Join(dir, target)); err != nil {
				t.Errorf("%s: broken link %s", base, m[1])
			}
		}
	}
}

// relLink finds Markdown link targets.
var relLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

func TestGuideFilesOrder(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"lab-10-more.md", "lab-2-b.md", "lab-1-a.md", "README.md", "notes.md"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, err := GuideFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, filepath.Base(f))
	}
	if want := []string{"lab-1-a.md", "lab-2-b.md", "lab-10-more.md"}; !slices.Equal(got, want) {
		t.Fatalf("GuideFiles = %v; want %v", got, want)
	}
}
