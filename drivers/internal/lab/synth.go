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
	"sort"
	"strings"
	"sync"
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

// synthKey is the key of one stack's synth: the app's inputs and the context the lab passes.
func synthKey(inputs string, context ...string) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%q", inputs, context))
	return hex.EncodeToString(sum[:])
}

// synthJob is one stack to synthesize.
type synthJob struct {
	scenario, stack, out string
	done                 chan struct{} // closed when out is ready or err is set
	err                  error
	reused               bool
}

// synthesizer synthesizes every stack, Config.Synth at a time, each into a cdk.out of its own,
// and lets trials wait for theirs. A cdk.out whose recorded inputs (synthKey) are those of the
// tree now is reused, unless Config.Resynth.
type synthesizer struct {
	c    Config
	ph   *phaser
	jobs map[string]*synthJob // by stack name

	once      sync.Once
	inputs    string // appInputs, once
	inputsErr error

	// The first synthesis runs alone (warm, warmed): the app is `go run .`, and with an empty Go build
	// cache two at once would each compile the CDK's Go bindings, one package of minutes, instead of
	// one compiling them for all. Costs a few seconds when the cache is warm.
	warm   sync.Mutex
	warmed bool

	synthStack func(ctx context.Context, root, scenario, stackName, outDir string, log io.Writer) error // tests; default cdkapp.SynthStack
}

func newSynthesizer(c Config, ph *phaser, stacks map[string]string) *synthesizer {
	s := &synthesizer{c: c, ph: ph, jobs: map[string]*synthJob{}, synthStack: cdkapp.SynthStack}
	for stack, scenario := range stacks {
		s.jobs[stack] = &synthJob{scenario: scenario, stack: stack, out: filepath.Join(c.Dir, "cdk.out."+stack), done: make(chan struct{})}
	}
	return s
}

// run synthesizes every stack in order (the order trials start in), Config.Synth at a time.
func (s *synthesizer) run(ctx context.Context, order []string) {
	next := make(chan *synthJob)
	var wg sync.WaitGroup
	for range max(1, s.c.Synth) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				if j.err = ctx.Err(); j.err == nil {
					j.err = s.synth(ctx, j)
				}
				close(j.done)
			}
		}()
	}
	for _, stack := range order {
		next <- s.jobs[stack]
	}
	close(next)
	wg.Wait()
}

func (s *synthesizer) synth(ctx context.Context, j *synthJob) error {
	s.once.Do(func() { s.inputs, s.inputsErr = appInputs(ctx, s.c.Root) })
	if s.inputsErr != nil {
		return fmt.Errorf("hash the app's inputs: %w", s.inputsErr)
	}
	key := synthKey(s.inputs, j.scenario, j.stack, cdkapp.HostArchitecture())
	if !s.c.Resynth {
		if b, err := os.ReadFile(filepath.Join(j.out, synthKeyFile)); err == nil && strings.TrimSpace(string(b)) == key {
			if _, err := os.Stat(filepath.Join(j.out, "manifest.json")); err == nil {
				j.reused = true
				return nil
			}
		}
	}
	logPath := filepath.Join(s.c.Results, "synth-"+j.stack+".log")
	begin := time.Now()
	f, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer f.Close()
	// A half-written cdk.out must never pass for a good one: the key goes in last.
	os.Remove(filepath.Join(j.out, synthKeyFile))
	s.warm.Lock()
	first := !s.warmed
	if !first {
		s.warm.Unlock()
	}
	err = s.synthStack(ctx, s.c.Root, j.scenario, j.stack, j.out, f)
	if first {
		s.warmed = err == nil // after a failure, the next one runs alone again
		s.warm.Unlock()
	}
	if err != nil {
		return fmt.Errorf("%w (log: %s)", err, cdkapp.Rel(s.c.Root, logPath))
	}
	if err := os.WriteFile(filepath.Join(j.out, synthKeyFile), []byte(key+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(s.ph.w, "    synthesized %s (%s) in %s\n", j.stack, j.scenario, time.Since(begin).Round(100*time.Millisecond))
	return nil
}

// wait waits for the stack's cdk.out and returns it.
func (s *synthesizer) wait(ctx context.Context, stack string) (string, error) {
	j := s.jobs[stack]
	if j == nil {
		return "", fmt.Errorf("synth: no stack %s", stack)
	}
	select {
	case <-j.done:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	if j.err != nil {
		return "", fmt.Errorf("synth %s: %w", stack, j.err)
	}
	return j.out, nil
}

// report prints how many stacks were synthesized and how many reused; the failures are the
// trials' errors.
func (s *synthesizer) report(w io.Writer, took time.Duration) {
	var reused, made, failed int
	for _, j := range s.jobs {
		switch {
		case j.err != nil:
			failed++
		case j.reused:
			reused++
		default:
			made++
		}
	}
	line := fmt.Sprintf("    stacks ready in %s: %d synthesized", took.Round(100*time.Millisecond), made)
	if reused > 0 {
		line += fmt.Sprintf(", %d reused (the app's inputs are unchanged since their synth; -resynth to synthesize anyway)", reused)
	}
	if failed > 0 {
		line += fmt.Sprintf(", %d FAILED", failed)
	}
	fmt.Fprintln(w, line)
}
