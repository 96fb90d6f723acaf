// Package cli holds what every driver's main shares: the signal-cancelled
// context, the slog logger honouring LOG_LEVEL, the AWS SDK config, the
// mapping of errors to exit codes, the check that an output file can be written
// (WritableFile), and writers that prefix lines (Indent, Prefix) for progress
// nested in a phase.
package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
	"github.com/chaoslab/serverless-chaos-lab/internal/suggest"
)

// SignalContext is cancelled by the first SIGINT, SIGTERM or SIGHUP (the
// terminal closed, the SSH session dropped): each gets the same clean stop,
// the fault switched off and the results written. Then a second Ctrl-C leaves
// at once (exit 130, after the note of SetLeaveNote), also in a process started
// with SIGINT ignored, while a later SIGTERM or SIGHUP is absorbed: the clean-up
// runs on (Ctrl-C, then the terminal closed, must not leave a fault on).
//
// A SIGINT within interruptGrace of the first is the same interrupt, not a
// second Ctrl-C: GNU timeout -s INT sends its signal to the process and then
// to its process group, microseconds apart, and a Ctrl-C reaches every process
// of the terminal's group. Taken as a second Ctrl-C, it killed chaoslab run
// before it had stopped the execution or switched the fault off.
//
// SIGPIPE is caught for the process's life, so a write to a closed pipe
// (`chaoslab lab | tee log`, and tee gone with the Ctrl-C) fails with EPIPE
// instead of killing the process in the middle of its clean-up, as Go does
// by default for standard output and error. It is caught, not ignored: an
// ignored signal would stay ignored in every child the process runs.
//
// A SIGHUP the process was started ignoring (nohup) stays ignored: catching it
// would undo what the user asked for.
func SignalContext() (context.Context, context.CancelFunc) {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	ch := make(chan os.Signal, 1) // read for interruptGrace after the first, then left unread: later signals are dropped
	signal.Notify(ch, sigs...)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-ch:
		case <-ctx.Done():
			return
		}
		cancel()
		grace := time.After(interruptGrace)
		for graced := false; !graced; {
			select {
			case <-ch: // the same interrupt, or a SIGTERM or SIGHUP: the clean-up runs on
			case <-grace:
				graced = true
			}
		}
		for s := range ch { // a SIGTERM or SIGHUP is absorbed: the clean-up runs on
			if s == os.Interrupt {
				leave()
			}
		}
	}()
	return ctx, func() { signal.Stop(ch); cancel() }
}

// leave ends the process at a second Ctrl-C, as the signal's default would (exit status 130, a
// shell's for SIGINT), saying first what is left running (SetLeaveNote). Not by restoring the
// default: a process started with SIGINT ignored (setsid, a background job of a script) gets the
// ignore back, and its second Ctrl-C did nothing while the message promised it would leave.
func leave() {
	if note := leaveNote.Load(); note != nil && *note != "" {
		fmt.Fprintln(os.Stderr, *note)
	}
	os.Exit(130)
}

// leaveNote is what leave says (SetLeaveNote).
var leaveNote atomic.Pointer[string]

// SetLeaveNote sets what a second Ctrl-C prints before the process leaves at once: what it leaves
// running or unwritten, and how to take it up ("" for nothing).
func SetLeaveNote(note string) { leaveNote.Store(&note) }

// interruptGrace is how long after the first signal a SIGINT is taken as the same interrupt
// (SignalContext). A person's second Ctrl-C, meant to leave, comes later than that.
var interruptGrace = time.Second

// Logger is a JSON slog logger on w at LOG_LEVEL (debug, info, warn, error;
// default info).
func Logger(w io.Writer) *slog.Logger {
	var lvl slog.Level
	if s := os.Getenv("LOG_LEVEL"); s != "" {
		if err := lvl.UnmarshalText([]byte(strings.ToUpper(s))); err != nil {
			lvl = slog.LevelInfo
		}
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lvl}))
}

// AWSConfig loads the SDK's default config: environment, shared files,
// AWS_ENDPOINT_URL (so the drivers work against a local cloud unchanged).
func AWSConfig(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	if err := checkEndpoint(cfg.BaseEndpoint); err != nil {
		return aws.Config{}, err
	}
	cfg.Logger = quietSDK{cfg.Logger}
	return cfg, nil
}

// quietSDK is the SDK's logger without its warnings about a response body it could not drain or
// close ("failed to discard remaining HTTP response body, this may affect connection reuse: ... use
// of closed network connection"): the answer was read, only the connection is not reused, and the
// line, printed between a run's states, read as if something had failed.
type quietSDK struct{ next logging.Logger }

func (q quietSDK) Logf(c logging.Classification, format string, v ...any) {
	if c == logging.Warn && (strings.HasPrefix(format, "failed to discard remaining HTTP response body") ||
		strings.HasPrefix(format, "failed to close HTTP response body")) {
		return
	}
	if q.next != nil {
		q.next.Logf(c, format, v...)
	}
}

// checkEndpoint refuses an endpoint that is not an http or https URL with a host: without its
// scheme ("127.0.0.1:4566") every request failed with the SDK's "Failed to parse uri", which names
// neither the variable nor the fix.
func checkEndpoint(endpoint *string) error {
	if endpoint == nil {
		return nil
	}
	u, err := url.Parse(*endpoint)
	if err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return nil
	}
	where := "endpoint_url in the AWS config"
	if os.Getenv("AWS_ENDPOINT_URL") == *endpoint {
		where = "AWS_ENDPOINT_URL"
	}
	return fmt.Errorf("%s %q is not an http:// or https:// URL with a host: write it whole (http://127.0.0.1:PORT for the local cloud; %s local env prints it)", where, *endpoint, chaoslabCmd())
}

// ExitError carries a process exit code chosen by a command.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// Exit returns an ExitError with the code.
func Exit(code int, err error) error { return &ExitError{Code: code, Err: err} }

// UsageError is a bad command line; its exit code is 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// Argsf is the UsageError of a command line whose arguments are wrong in number or kind: the
// message, the command's synopsis and where its help is. Nothing else is printed: the whole usage
// printed above the error (86 lines for chaoslab run with no experiment) scrolled it out of sight.
func Argsf(fs *flag.FlagSet, synopsis, format string, args ...any) error {
	return WithSynopsis(Usagef(format, args...), synopsis, fs.Name())
}

// synopsisLine is the second line of every wrong command line's error.
const synopsisLine = "\nusage: "

// WithSynopsis gives err, when it is a UsageError without one, its second line: the command's
// synopsis and where its help is ("usage: chaoslab run [flags] <file|name> (chaoslab run -h for
// help)"). Every wrong command line is told in these two lines. Another error is err.
func WithSynopsis(err error, synopsis, name string) error {
	var ue *UsageError
	if !errors.As(err, &ue) || strings.Contains(err.Error(), synopsisLine) || synopsis == "" {
		return err
	}
	return &UsageError{Err: fmt.Errorf("%w%s%s (%s -h for help)", err, synopsisLine, synopsis, name)}
}

// SynopsisOf is the synopsis in a command's help text: the line after "Usage:", trimmed ("" when
// there is none).
func SynopsisOf(help string) string {
	_, after, ok := strings.Cut(help, "Usage:\n")
	if !ok {
		return ""
	}
	line, _, _ := strings.Cut(after, "\n")
	return strings.TrimSpace(line)
}

// Code maps a command's error to an exit code: nil and -h are 0, a usage
// error is 2, an ExitError its own code, anything else fallback.
func Code(err error, fallback int) int {
	var ee *ExitError
	var ue *UsageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ee):
		return ee.Code
	case errors.As(err, &ue):
		return 2
	default:
		return fallback
	}
}

// Report prints err (if it has a message worth printing) to w and returns
// the exit code.
func Report(w io.Writer, err error, fallback int) int {
	code := Code(err, fallback)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		var ee *ExitError
		if !errors.As(err, &ee) || ee.Err != nil {
			fmt.Fprintln(w, "error:", err)
		}
	}
	return code
}

// Parse parses args with fs, turning a flag error into a UsageError that says
// it, and how to list the flags (nothing is printed: Report prints the error).
// -h prints the usage and returns flag.ErrHelp.
//
// Flags may follow the arguments (`chaoslab compile exp_1 -pause 30s`), as they do for
// `fault enable latency -for 2m`: Go's flag package stops at the first argument, so a flag after it
// was taken for another argument ("want one experiment, got 3 arguments") or for a file name.
// After "--" everything is an argument.
func Parse(fs *flag.FlagSet, args []string) error {
	defer once(fs)() // a flag given twice is refused, not the last one taken
	var positional []string
	for {
		if err := parseOnce(fs, args); err != nil {
			return err
		}
		rest := fs.Args()
		if consumed := args[:len(args)-len(rest)]; len(consumed) > 0 && consumed[len(consumed)-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		positional, args = append(positional, rest[0]), rest[1:]
	}
	// fs.Args() is the arguments, in their order.
	return fs.Parse(append([]string{"--"}, positional...))
}

// errTwice ends the message of a flag given twice.
const errTwice = "given twice: give it once"

// onceValue refuses a flag's second value: `-pause 10s -pause 20s` took 20 s without a word, where
// a key given twice in an experiment file is refused. A flag whose usage says "repeatable" takes
// several (import-fis -function-tag).
type onceValue struct {
	flag.Value
	first *string
}

func (o *onceValue) Set(s string) error {
	if o.first != nil {
		return fmt.Errorf("%s (%q, then %q)", errTwice, *o.first, s)
	}
	o.first = &s
	return o.Value.Set(s)
}

// IsBoolFlag keeps a boolean flag one (-v, not -v=true).
func (o *onceValue) IsBoolFlag() bool {
	b, ok := o.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// once wraps each of fs's flags that is not repeatable in an onceValue, and returns what puts the
// flags back (the help names each flag's type by its own value's).
func once(fs *flag.FlagSet) (restore func()) {
	fs.VisitAll(func(f *flag.Flag) {
		if _, done := f.Value.(*onceValue); !done && !strings.Contains(f.Usage, "repeatable") {
			f.Value = &onceValue{Value: f.Value}
		}
	})
	return func() { unwrap(fs) }
}

// unwrap gives each of fs's flags its own value back from once's onceValue, and returns what wraps
// them again.
func unwrap(fs *flag.FlagSet) (rewrap func()) {
	wrapped := map[*flag.Flag]*onceValue{}
	fs.VisitAll(func(f *flag.Flag) {
		if o, ok := f.Value.(*onceValue); ok {
			wrapped[f], f.Value = o, o.Value
		}
	})
	return func() {
		for f, o := range wrapped {
			f.Value = o
		}
	}
}

// own is a flag's own value, once's onceValue or not.
func own(v flag.Value) flag.Value {
	if o, ok := v.(*onceValue); ok {
		return o.Value
	}
	return v
}

// SetAlias sets fs's flag name as another flag that stands for it does (an alias's value), without
// counting as the flag's own: the flag may still be given once itself (the two then compared by
// the caller, not refused as given twice).
func SetAlias(fs *flag.FlagSet, name, value string) error {
	f := fs.Lookup(name)
	if f == nil {
		return fmt.Errorf("no flag -%s", name)
	}
	return own(f.Value).Set(value)
}

// parseOnce is fs.Parse, where a bad command line is told in two lines, without the usage: the flag
// package printed the error and then the whole usage (82 lines for chaoslab run), the error scrolled
// out of sight. The error says what one looks like for a duration that does not parse (the flag
// package said `parse error`), the nearest flag for one that is not defined (-pasue: did you mean
// -pause?); its second line the command's synopsis and how to get its help (WithSynopsis). -h
// prints the usage, as before.
func parseOnce(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	var printed bytes.Buffer
	fs.SetOutput(&printed) // the usage, printed for -h only
	err := fs.Parse(args)
	fs.SetOutput(out)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		// Printed again with the flags' own values (once's wrappers would name every type "value").
		rewrap := unwrap(fs)
		fs.Usage()
		rewrap()
		return err
	}
	if value, name, refused := badValue(err); refused {
		if strings.Contains(err.Error(), errTwice) {
			// The flag package said: invalid value "20s" for flag -pause: given twice: give it once
			// ("10s", then "20s"); the value is not invalid: -pause: given twice: ...
			err = errors.New(strings.TrimPrefix(err.Error(), fmt.Sprintf("invalid value %q for flag ", value)))
		} else if better := valueError(fs, name, value); better != nil {
			err = better
		}
	} else if near := nearestFlag(fs, err); near != "" {
		err = fmt.Errorf("%w: did you mean -%s?", err, near)
	}
	if synopsis := SynopsisOf(printed.String()); synopsis != "" { // the flag package printed the usage
		return WithSynopsis(&UsageError{Err: fmt.Errorf("%s: %w", fs.Name(), err)}, synopsis, fs.Name())
	}
	return &UsageError{Err: fmt.Errorf("%w (%s -h lists the flags)", err, fs.Name())}
}

// nearestFlag is the flag of fs whose name is nearest the one err says is not defined
// (suggest.Nearest), or "".
func nearestFlag(fs *flag.FlagSet, err error) string {
	var name string
	if _, scanErr := fmt.Sscanf(err.Error(), "flag provided but not defined: -%s", &name); scanErr != nil {
		return ""
	}
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return suggest.Nearest(strings.TrimPrefix(name, "-"), names) // --pasue
}

// badValue reads the value and the flag's name out of the flag package's refusal of a value.
func badValue(err error) (value, name string, ok bool) {
	if _, scanErr := fmt.Sscanf(err.Error(), "invalid value %q for flag -%s", &value, &name); scanErr != nil {
		return "", "", false
	}
	return value, strings.TrimSuffix(name, ":"), true
}

// valueError says what a value looks like when the flag package refused value for the flag name,
// a duration or a number (it said `parse error`), else nil.
func valueError(fs *flag.FlagSet, name, value string) error {
	f := fs.Lookup(name)
	if f == nil {
		return nil
	}
	g, ok := own(f.Value).(flag.Getter) // a Func flag is none
	if !ok {
		return nil
	}
	switch g.Get().(type) {
	case time.Duration:
		return fmt.Errorf("-%s %q: want a duration, a number and its unit, such as 30s, 5m or 1h30m (units ns, us, ms, s, m, h)", name, value)
	case int, int64:
		return fmt.Errorf("-%s %q: want a whole number", name, value)
	case uint, uint64:
		return fmt.Errorf("-%s %q: want a whole number, 0 or more", name, value)
	case float64:
		return fmt.Errorf("-%s %q: want a number, such as 10 or 0.5", name, value)
	}
	return nil
}
