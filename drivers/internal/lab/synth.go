package lab

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cdkapp"
	"github.com/chaoslab/serverless-chaos-lab/internal/contract"
)

// StackName is the stack of one experiment on one scenario: ChaosLab-<scenario>-<tag>, the tag
// the experiment's number (exp_2-dynamodb_disruption → exp2), or the whole name made a valid
// stack name when two experiments share a number. Each pair has a stack of its own, so every
// queue, table, function, metric and state machine is the pair's own.
func StackName(scenario, experiment string, all []string) string {
	tag := stackTag(experiment)
	for _, e := range all {
		if e != experiment && stackTag(e) == tag {
			tag = strings.NewReplacer("_", "-", ".", "-").Replace(experiment)
			break
		}
	}
	return contract.DefaultStackName + "-" + scenario + "-" + tag
}

func stackTag(experiment string) string {
	head, _, _ := strings.Cut(experiment, "-")
	return strings.ReplaceAll(head, "_", "")
}

// synthKeyFile, in a cdk.out, records the inputs it was synthesized from (synthKey).
const synthKeyFile = "chaoslab-synth.key"

// appInputs hashes what a synth reads from the repository: the Go files (and embedded files) of
// every package the CDK app and the function it compiles depend on (`go list -deps . ./functions/etl`),
// go.mod and go.sum (the modules outside), cdk.json (context, feature flags) and package-lock.json
// (the CDK CLI), and the Go toolchain's version. Anything else — tests, docs, the drivers, the local
// cloud, other engineers' packages the app does not import — leaves it unchanged.
func appInputs(ctx context.Context, root string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-deps", "-json=Dir,GoFiles,CgoFiles,IgnoredGoFiles,EmbedFiles,Standard,Module", ".", "./functions/etl")
	cmd.Dir = root
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	files := []string{"go.mod", "go.sum", "cdk.json", "package-lock.json"}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p struct {
			Dir                                           string
			GoFiles, CgoFiles, IgnoredGoFiles, EmbedFiles []string
			Standard                                      bool
			Module                                        *struct{ Main bool }
		}
		if err := dec.Decode(&p); err != nil {
			return "", fmt.Errorf("go list: %w", err)
		}
		if p.Standard || p.Module == nil || !p.Module.Main {
			continue // the toolchain's (runtime.Version) or a module's (go.sum)
		}
		for _, group := range [][]string{p.GoFiles, p.CgoFiles, p.IgnoredGoFiles, p.EmbedFiles} {
			for _, f := range group {
				rel, err := filepath.Rel(root, filepath.Join(p.Dir, f))
				if err != nil {
					return "", err
				}
				files = append(files, rel)
			}
		}
	}
	sort.Strings(files)
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", runtime.Version())
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		sum := sha256.Sum256(b)
		fmt.Fprintf(h, "%s\x00%x\x00", f, sum)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// synthKey is the key of a synth: the app's inputs and the context the lab passes.
func synthKey(inputs string, context ...string) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%q", inputs, context))
	return hex.EncodeToString(sum[:])
}

// synthesizer synthesizes every stack of the lab in one run of the app (cdkapp.SynthStacks) into
// one cdk.out, <Dir>/cdk.out.lab, and lets trials wait for it. A cdk.out whose recorded key
// (synthKey: the app's inputs, the stacks and their scenarios, the architecture) is that of the tree
// now is reused, unless Config.Resynth.
//
// One run rather than one per stack: a synth is mostly the app's start (the CDK CLI, `go run .`, the
// jsii runtime loading the CDK, the function's build), about 4 of its 4½ seconds on 2 cores, so ten
// stacks took 31–64 s two at a time and take about 10 s in one run.
type synthesizer struct {
	c      Config
	stacks []cdkapp.Stack // in the order trials start in
	out    string

	done   chan struct{} // closed when out is ready or err is set
	err    error
	reused bool

	synthStacks func(ctx context.Context, root string, stacks []cdkapp.Stack, outDir string, log io.Writer) error // tests; default cdkapp.SynthStacks
}

func newSynthesizer(c Config, stacks []cdkapp.Stack) *synthesizer {
	return &synthesizer{c: c, stacks: stacks, out: filepath.Join(c.Dir, "cdk.out.lab"),
		done: make(chan struct{}), synthStacks: cdkapp.SynthStacks}
}

// run synthesizes every stack (or finds the cdk.out reusable) and releases the trials waiting.
func (s *synthesizer) run(ctx context.Context) {
	defer close(s.done)
	s.err = s.synth(ctx)
}

func (s *synthesizer) synth(ctx context.Context) error {
	inputs, err := appInputs(ctx, s.c.Root)
	if err != nil {
		return fmt.Errorf("hash the app's inputs: %w", err)
	}
	context := []string{cdkapp.HostArchitecture()}
	for _, st := range s.stacks {
		context = append(context, st.Name+"="+st.Scenario)
	}
	key := synthKey(inputs, context...)
	if !s.c.Resynth {
		if b, err := os.ReadFile(filepath.Join(s.out, synthKeyFile)); err == nil && strings.TrimSpace(string(b)) == key {
			if _, err := os.Stat(filepath.Join(s.out, "manifest.json")); err == nil {
				s.reused = true
				return nil
			}
		}
	}
	logPath := filepath.Join(s.c.Results, "synth.log")
	f, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer f.Close()
	// A half-written cdk.out must never pass for a good one: the key goes in last.
	os.Remove(filepath.Join(s.out, synthKeyFile))
	if err := s.synthStacks(ctx, s.c.Root, s.stacks, s.out, f); err != nil {
		return fmt.Errorf("%w (log: %s)", err, cdkapp.Rel(s.c.Root, logPath))
	}
	return os.WriteFile(filepath.Join(s.out, synthKeyFile), []byte(key+"\n"), 0o644)
}

// wait waits for the cdk.out holding the stack and returns it.
func (s *synthesizer) wait(ctx context.Context, stack string) (string, error) {
	if !slices.ContainsFunc(s.stacks, func(st cdkapp.Stack) bool { return st.Name == stack }) {
		return "", fmt.Errorf("synth: no stack %s", stack)
	}
	select {
	case <-s.done:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	if s.err != nil {
		return "", fmt.Errorf("synth: %w", s.err)
	}
	return s.out, nil
}

// report prints whether the stacks were synthesized or reused; a failure is every trial's error.
// stopping says the lab was being stopped (a cloud did not start, Ctrl-C): a synth it cut short did
// not fail (its "signal: killed" would read as the reason, printed before the real one).
func (s *synthesizer) report(w io.Writer, took time.Duration, stopping bool) {
	switch {
	case s.err != nil && stopping:
		fmt.Fprintf(w, "    synth stopped after %s: the lab is stopping\n", took.Round(100*time.Millisecond))
	case s.err != nil:
		fmt.Fprintf(w, "    synth FAILED after %s: %v\n", took.Round(100*time.Millisecond), s.err)
	case s.reused:
		fmt.Fprintf(w, "    %d stacks reused from %s (the app's inputs are unchanged since their synth; -resynth to synthesize anyway)\n",
			len(s.stacks), cdkapp.Rel(s.c.Root, s.out))
	default:
		fmt.Fprintf(w, "    %d stacks synthesized in one run of the app in %s\n", len(s.stacks), took.Round(100*time.Millisecond))
	}
}
