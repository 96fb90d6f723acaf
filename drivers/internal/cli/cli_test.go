package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"github.com/aws/smithy-go/logging"
	"strings"
	"testing"
	"time"
)

func TestCodeAndReport(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		code    int
		printed string
	}{
		{name: "nil", err: nil, code: 0},
		{name: "help", err: flag.ErrHelp, code: 0},
		{name: "usage", err: Usagef("bad -x"), code: 2, printed: "error: bad -x\n"},
		{name: "wrapped exit code", err: fmt.Errorf("run: %w", Exit(1, errors.New("deviated"))), code: 1, printed: "error: run: deviated\n"},
		{name: "silent exit code", err: Exit(1, nil), code: 1},
		{name: "other error takes the fallback", err: errors.New("boom"), code: 7, printed: "error: boom\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if got := Report(&b, tt.err, 7); got != tt.code {
				t.Fatalf("code %d, want %d", got, tt.code)
			}
			if b.String() != tt.printed {
				t.Fatalf("printed %q, want %q", b.String(), tt.printed)
			}
		})
	}
}

// Flags may follow the arguments, "--" ends them, and a bad command line is one error, not the
// usage: a duration that does not parse is said with what one looks like, a flag that is not
// defined with the nearest one, and each with how to list the flags.
func TestParse(t *testing.T) {
	newFS := func(out *bytes.Buffer) (*flag.FlagSet, *time.Duration, *string) {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(out)
		d := fs.Duration("pause", time.Second, "")
		s := fs.String("name", "", "")
		fs.Func("tag", "", func(string) error { return errors.New("want key=value") })
		fs.Int("count", 0, "")
		fs.Float64("rate", 0, "")
		return fs, d, s
	}
	var out bytes.Buffer
	fs, d, s := newFS(&out)
	if err := Parse(fs, []string{"exp", "-pause", "3s", "more", "-name", "n", "--", "-x"}); err != nil {
		t.Fatal(err)
	}
	if *d != 3*time.Second || *s != "n" || fmt.Sprint(fs.Args()) != "[exp more -x]" {
		t.Errorf("pause %s, name %q, args %q; want 3s, n, [exp more -x]", *d, *s, fs.Args())
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-pause", "5 min"}, `-pause "5 min": want a duration, a number and its unit, such as 30s, 5m or 1h30m`},
		{[]string{"-tag", "x"}, `invalid value "x" for flag -tag: want key=value`},
		// Numbers as durations: what one looks like, where the flag package said "parse error".
		{[]string{"-count", "abc"}, `-count "abc": want a whole number`},
		{[]string{"-count", "1.5"}, `-count "1.5": want a whole number`},
		{[]string{"-rate", "fast"}, `-rate "fast": want a number, such as 10 or 0.5`},
		{[]string{"-nope"}, "flag provided but not defined: -nope"},
		{[]string{"-pasue", "3s"}, "flag provided but not defined: -pasue: did you mean -pause?"},
		{[]string{"--nmae", "x"}, "flag provided but not defined: -nmae: did you mean -name?"},
	} {
		var out bytes.Buffer
		fs, _, _ := newFS(&out)
		err := Parse(fs, c.args)
		var ue *UsageError
		// One line to read, not the error above 80 lines of usage: Report prints it.
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) || !strings.HasSuffix(err.Error(), "(t -h lists the flags)") || out.Len() != 0 {
			t.Errorf("Parse(%q): %v, printed %q; want a usage error saying %q and how to list the flags, nothing printed", c.args, err, out.String(), c.want)
		}
	}
	var discard bytes.Buffer
	if err := Parse(func() *flag.FlagSet { fs, _, _ := newFS(&discard); return fs }(), []string{"-zzzzzz"}); err == nil || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("a flag far from every name: %v, want no suggestion", err)
	}
	// A command whose help shows its synopsis: the error names the command, and its second line is
	// the synopsis and where the help is.
	out.Reset()
	fs, _, _ = newFS(&out)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "t does things.\n\nUsage:\n  t [flags] THING\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := Parse(fs, []string{"-zzzzzz"}); err == nil || err.Error() != "t: flag provided but not defined: -zzzzzz\nusage: t [flags] THING (t -h for help)" || out.Len() != 0 {
		t.Errorf("Parse(-zzzzzz) with a synopsis: %v, printed %q; want the error and the synopsis", err, out.String())
	}
	out.Reset()
	fs, _, _ = newFS(&out)
	if err := Parse(fs, []string{"-h"}); !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), "-pause") {
		t.Errorf("-h: %v, printed %q; want ErrHelp and the usage", err, out.String())
	}
}

// The SDK's warnings about a body it could not drain or close are dropped; every other line of its
// logger passes.
func TestQuietSDK(t *testing.T) {
	var got []string
	q := quietSDK{logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
		got = append(got, string(c)+" "+fmt.Sprintf(format, v...))
	})}
	q.Logf(logging.Warn, "failed to discard remaining HTTP response body, this may affect connection reuse: %v", errors.New("use of closed network connection"))
	q.Logf(logging.Warn, "failed to close HTTP response body, this may affect connection reuse: %v", errors.New("x"))
	q.Logf(logging.Warn, "Response has no supported checksum. Not validating response payload.")
	q.Logf(logging.Debug, "failed to discard remaining HTTP response body")
	if want := []string{"WARN Response has no supported checksum. Not validating response payload.", "DEBUG failed to discard remaining HTTP response body"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("logged %q, want %q", got, want)
	}
	quietSDK{}.Logf(logging.Warn, "no logger: nothing") // no panic
}

// A flag given twice is refused, naming both values, unless its usage says it is repeatable; the
// help still names each flag's type; an alias sets its flag without counting as it.
func TestFlagGivenTwice(t *testing.T) {
	var out bytes.Buffer
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(&out)
	d := fs.Duration("pause", 0, "a `duration`")
	var tags []string
	fs.Func("tag", "a tag (repeatable)", func(s string) error { tags = append(tags, s); return nil })
	name := fs.String("name", "", "a name")
	fs.Func("alias", "same as -name", func(s string) error { return SetAlias(fs, "name", s) })
	// Not "invalid value": neither value is.
	if err := Parse(fs, []string{"-pause", "1s", "-pause", "2s"}); err == nil || !strings.HasPrefix(err.Error(), `-pause: given twice: give it once ("1s", then "2s")`) {
		t.Errorf("-pause twice: %v, want it refused naming both", err)
	}
	fs = flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(&out)
	d = fs.Duration("pause", 0, "a `duration`")
	fs.Func("tag", "a tag (repeatable)", func(s string) error { tags = append(tags, s); return nil })
	name = fs.String("name", "", "a name")
	fs.Func("alias", "same as -name", func(s string) error { return SetAlias(fs, "name", s) })
	if err := Parse(fs, []string{"-tag", "a", "x", "-tag", "b", "-pause", "3s", "-alias", "n", "-name", "n"}); err != nil || fmt.Sprint(tags) != "[a b]" || *d != 3*time.Second || *name != "n" {
		t.Errorf("repeatable -tag, an alias and its flag: %v, tags %v, pause %v, name %q", err, tags, *d, *name)
	}
	out.Reset()
	if err := Parse(fs, []string{"-h"}); !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), "-pause duration") {
		t.Errorf("-h: %v\n%s\nwant the flags with their types", err, out.String())
	}
}
