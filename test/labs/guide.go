// Package labs walks the lab guides in docs/labs the way a learner does, and fails when a guide
// and the tool have drifted apart.
//
// A guide is Markdown. The walker reads only the fenced blocks marked for it (docs/labs/README.md
// is the reference for authors):
//
//	```sh local                              a command block: bash runs it from the repository root
//	```sh local exit=1 timeout=3m            ... expecting exit status 1, killed after 3 minutes
//	```sh local background name=cloud        ... in a terminal of its own, left running
//	```sh local interrupt=cloud              Ctrl-C in that terminal (the body is for the reader)
//	```text expect                           lines the command above must print, in order
//	```text expect from=cloud timeout=5m     lines a background terminal must print (from where
//	                                         its last expectation matched), waited for
//
// Every other block (plain ```sh, ```json, the AWS variants) is for the reader only.
//
// Use it in this order: Parse each guide into blocks, Compile each expect block's body into an
// Expect, and match what the commands printed with Expect.Match (the walker, walk_test.go, built
// with -tags labs, does this against a private copy of the repository and a fresh local cloud).
package labs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Kind is what a marked block asks the walker to do.
type Kind int

const (
	// Command runs the body with bash and waits for it (exit status Exit, within Timeout).
	Command Kind = iota
	// Background starts the body with bash in a process group of its own and leaves it running.
	Background
	// Interrupt sends SIGINT to the process group of the background block Target and waits for
	// it to exit (within Timeout).
	Interrupt
	// Expectation checks lines against the output of the previous command block, or of the
	// background block Target (From).
	Expectation
)

func (k Kind) String() string {
	switch k {
	case Command:
		return "command"
	case Background:
		return "background"
	case Interrupt:
		return "interrupt"
	case Expectation:
		return "expect"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Default timeouts: a command or an interrupt that takes longer fails the walk; an expectation on
// a background terminal is waited for this long.
const (
	DefaultCommandTimeout = 5 * time.Minute
	DefaultWaitTimeout    = 2 * time.Minute
)

// Block is one marked fenced block of a guide.
type Block struct {
	// File and Line locate the opening fence (Line counts from 1), for messages.
	File string
	Line int
	Kind Kind
	// Info is the fence's info string, as written.
	Info string
	// Body is the block's content without the fences.
	Body string
	// Name is a background block's name (name=), which interrupt= and from= refer to.
	Name string
	// Target is the background block an Interrupt (interrupt=) or an Expectation (from=) refers
	// to; empty for an expectation on the command block just before it.
	Target string
	// Exit is the exit status a Command must end with (exit=; default 0).
	Exit int
	// Timeout bounds a Command or an Interrupt, and how long an expectation on a background
	// block is waited for (timeout=). Zero means the default for the kind.
	Timeout time.Duration
	// Expect is an Expectation's compiled body.
	Expect *Expect
}

// Where is "file:line" for messages.
func (b Block) Where() string { return fmt.Sprintf("%s:%d", b.File, b.Line) }

// TimeoutOr is the block's timeout, or def when it sets none.
func (b Block) TimeoutOr(def time.Duration) time.Duration {
	if b.Timeout > 0 {
		return b.Timeout
	}
	return def
}

// Parse reads a guide and returns its marked blocks in order. It checks what can be checked
// without running anything: attributes are known and well-formed, every expect block follows a
// command block or names a background block started earlier in the same guide or in one of the
// guides before it (started lists those names and is extended with this guide's), and every
// expect body compiles. All problems are returned at once.
func Parse(file string, src []byte, started map[string]bool) ([]Block, error) {
	var (
		blocks []Block
		errs   []error
		// lastRunnable is whether an expect block without from= has a command to check: the last
		// fenced block was a marked command, background or interrupt block (or an expect on one).
		lastRunnable bool
		lastKind     Kind
	)
	fail := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", file, line, fmt.Sprintf(format, args...)))
	}
	for _, f := range fences(src) {
		// timeout reads a block's timeout= attribute, on command and expect blocks alike.
		timeout := func(v string) time.Duration {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				fail(f.line, "timeout=%s: want a positive Go duration such as 90s or 5m", v)
			}
			return d
		}
		words := strings.Fields(f.info)
		if len(words) == 0 {
			continue
		}
		var b Block
		b.File, b.Line, b.Info, b.Body = file, f.line, f.info, f.body
		switch {
		case (words[0] == "sh" || words[0] == "bash") && contains(words[1:], "local"):
			b.Kind = Command
			for _, w := range words[1:] {
				k, v, hasValue := strings.Cut(w, "=")
				switch {
				case w == "local":
				case w == "background":
					b.Kind = Background
				case k == "name" && hasValue:
					b.Name = v
				case k == "interrupt" && hasValue:
					b.Kind, b.Target = Interrupt, v
				case k == "exit" && hasValue:
					n, err := strconv.Atoi(v)
					if err != nil || n < 0 || n > 255 {
						fail(f.line, "exit=%s: want an exit status 0..255", v)
					}
					b.Exit = n
				case k == "timeout" && hasValue:
					b.Timeout = timeout(v)
				default:
					fail(f.line, "unknown attribute %q in %q (known: local, background, name=, interrupt=, exit=, timeout=)", w, f.info)
				}
			}
			switch b.Kind {
			case Background:
				if b.Name == "" {
					fail(f.line, "a background block needs name= (interrupt= and from= refer to it)")
				} else if started[b.Name] {
					fail(f.line, "background name %q is already used by an earlier block", b.Name)
				}
				if b.Exit != 0 {
					fail(f.line, "exit= means nothing on a background block")
				}
				started[b.Name] = true
			case Interrupt:
				if !started[b.Target] {
					fail(f.line, "interrupt=%s: no background block of that name before it", b.Target)
				}
				if b.Name != "" || b.Exit != 0 {
					fail(f.line, "an interrupt block takes only interrupt= and timeout=")
				}
			case Command:
				if b.Name != "" {
					fail(f.line, "name= is for background blocks")
				}
			}
			lastRunnable, lastKind = true, b.Kind
		case words[0] == "text" && contains(words[1:], "expect"):
			b.Kind = Expectation
			for _, w := range words[1:] {
				k, v, hasValue := strings.Cut(w, "=")
				switch {
				case w == "expect":
				case k == "from" && hasValue:
					b.Target = v
				case k == "timeout" && hasValue:
					b.Timeout = timeout(v)
				default:
					fail(f.line, "unknown attribute %q in %q (known: expect, from=, timeout=)", w, f.info)
				}
			}
			switch {
			case b.Target != "" && !started[b.Target]:
				fail(f.line, "from=%s: no background block of that name before it", b.Target)
			case b.Target == "" && !lastRunnable:
				fail(f.line, "an expect block without from= must follow a sh local block")
			case b.Target == "" && lastKind == Interrupt:
				fail(f.line, "an expect block after an interrupt block needs from= (the interrupted terminal)")
			}
			e, err := Compile(b.Body)
			if err != nil {
				fail(f.line, "%v", err)
			}
			b.Expect = e
		default:
			// A block for the reader only (an AWS variant, a file's content): an expect block after
			// it would be ambiguous, so it must not follow one.
			lastRunnable = false
			continue
		}
		blocks = append(blocks, b)
	}
	return blocks, errors.Join(errs...)
}

func contains(words []string, w string) bool {
	for _, x := range words {
		if x == w {
			return true
		}
	}
	return false
}

// fence is one fenced code block of a Markdown document.
type fence struct {
	line int // of the opening fence, from 1
	info string
	body string
}

// fences returns the fenced code blocks of a CommonMark document: an opening fence is three or
// more backticks or tildes (indented at most three spaces), and the block ends at a line of at
// least as many of the same character and nothing else, or at the end of the document. Blocks
// inside a longer fence (such as examples of the syntax in a ````markdown block) are content.
func fences(src []byte) []fence {
	var (
		out  []fence
		cur  *fence
		char byte
		n    int
		body bytes.Buffer
	)
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(sc.Text(), "\r")
		trimmed := strings.TrimLeft(text, " ")
		indent := len(text) - len(trimmed)
		if cur == nil {
			if indent > 3 || len(trimmed) < 3 || (trimmed[0] != '`' && trimmed[0] != '~') {
				continue
			}
			c := trimmed[0]
			k := 0
			for k < len(trimmed) && trimmed[k] == c {
				k++
			}
			if k < 3 {
				continue
			}
			info := strings.TrimSpace(trimmed[k:])
			if c == '`' && strings.Contains(info, "`") {
				continue // not a fence: an inline code span
			}
			cur, char, n = &fence{line: line, info: info}, c, k
			body.Reset()
			continue
		}
		if indent <= 3 && len(trimmed) >= n && trimmed[0] == char {
			k := 0
			for k < len(trimmed) && trimmed[k] == char {
				k++
			}
			if k >= n && strings.TrimSpace(trimmed[k:]) == "" {
				cur.body = body.String()
				out = append(out, *cur)
				cur = nil
				continue
			}
		}
		body.WriteString(text)
		body.WriteByte('\n')
	}
	if cur != nil {
		cur.body = body.String()
		out = append(out, *cur)
	}
	return out
}

// GuideFiles lists the lab guides in dir, lab-<N>-*.md, in the order of N: the order a learner
// walks them, each starting from where the one before it left off.
func GuideFiles(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "lab-*.md"))
	if err != nil {
		return nil, err
	}
	num := func(f string) int {
		s := strings.TrimPrefix(filepath.Base(f), "lab-")
		s, _, _ = strings.Cut(s, "-")
		n, err := strconv.Atoi(strings.TrimSuffix(s, ".md"))
		if err != nil {
			return 1 << 30
		}
		return n
	}
	sort.SliceStable(files, func(i, j int) bool { return num(files[i]) < num(files[j]) })
	return files, nil
}
