package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/lab"
)

// The lab and local commands reject bad input before they synthesize or start anything; the whole
// lab runs in test/ (end to end).
func TestLabAndLocalArguments(t *testing.T) {
	tests := []struct {
		name    string
		outside bool              // run from a directory outside the repository
		files   map[string]string // written into DIR first, by name
		args    []string
		code    int
		wants   []string // in the output or the error
	}{
		{name: "lab -h lists every flag", args: []string{"lab", "-h"}, code: 0,
			wants: []string{"-scenarios", "-experiments", "-window", "-pause", "-recovery", "-rate", "-warmup", "-drain", "-quiet", "-results", "-dir", "-concurrency", "-stagger", "-clouds", "-repeat", "-resynth"}},
		{name: "repeat at least once", args: []string{"lab", "-repeat", "0"}, code: 2, wants: []string{"-repeat"}},
		{name: "bench -h says what it measures", args: []string{"bench", "-h"}, code: 0,
			wants: []string{"-rates", "-step", "-profile", "p50/p95/p99", "CPU seconds per 1,000 documents"}},
		{name: "bench rates must be positive", args: []string{"bench", "-rates", "50,0"}, code: 2, wants: []string{`-rates: "0" is not a positive number`}},
		{name: "bench rates must be finite numbers", args: []string{"bench", "-rates", "NaN"}, code: 2, wants: []string{`-rates: "NaN" is not a positive number`}},
		{name: "bench rates must not be infinite", args: []string{"bench", "-rates", "50,Inf"}, code: 2, wants: []string{`-rates: "Inf" is not a positive number`}},
		// Refused before a cloud starts: the benchmark swapped each for its default.
		{name: "bench negative step", args: []string{"bench", "-step", "-5s"}, code: 2, wants: []string{"-step -5s: want a positive duration"}},
		// Checked before the minutes of benchmarking: a path that cannot be written failed at the end.
		{name: "bench -json that cannot be written", args: []string{"bench", "-json", "DIR/no/such/dir/steps.json"}, code: 2,
			wants: []string{"chaoslab bench: -json DIR/no/such/dir/steps.json: directory DIR/no/such/dir does not exist"}},
		{name: "bench -profile that cannot be written", args: []string{"bench", "-profile", "DIR/no/such/dir/cpu.pprof"}, code: 2,
			wants: []string{"chaoslab bench: -profile DIR/no/such/dir/cpu.pprof: directory DIR/no/such/dir does not exist"}},
		{name: "bench zero drain", args: []string{"bench", "-drain", "0"}, code: 2, wants: []string{"-drain 0s: want a positive duration"}},
		{name: "bench nothing in flight", args: []string{"bench", "-in-flight", "0"}, code: 2, wants: []string{"-in-flight 0: want 1 or more"}},
		{name: "unknown scenario", args: []string{"lab", "-scenarios", "flawed,chaotic"}, code: 2, wants: []string{`"chaotic"`, "flawed, resilient"}},
		{name: "unknown experiment names the shipped ones", args: []string{"lab", "-experiments", "exp_9-nope"}, code: 2,
			wants: []string{"exp_9-nope", "exp_1-minor_delay"}},
		// Experiment files of the user's run beside the shipped ones, under their files' names: each
		// is loaded and compiled with the lab's durations before anything starts.
		{name: "an experiment file of one's own is compiled up front", files: map[string]string{"latency.json": ownExperiment},
			args: []string{"lab", "-pause", "3s", "-experiments", "exp_1-minor_delay,DIR/latency.json"}, code: 2,
			wants: []string{"-onset 5s leaves no time to observe exp_1-minor_delay's fault"}},
		{name: "an experiment file of one's own is named in the onset check", files: ownFiles,
			args: []string{"lab", "-pause", "3s", "-experiments", "DIR/latency.json"}, code: 2,
			wants: []string{"-onset 5s leaves no time to observe latency's fault"}},
		{name: "an invalid experiment file says its problems", files: map[string]string{"broken.json": `{"title": "t", "description": "d", "method": [], "steady-state-hypothesis": {"title": "h", "probes": []}, "rollbacks": [], "pause": 3}`},
			args: []string{"lab", "-experiments", "DIR/broken.json"}, code: 2, wants: []string{"broken.json", "pause"}},
		{name: "a file named as a shipped experiment", files: map[string]string{"exp_1-minor_delay.json": ownExperiment},
			args: []string{"lab", "-experiments", "DIR/exp_1-minor_delay.json"}, code: 2,
			wants: []string{"runs under its file's name, exp_1-minor_delay, which is a shipped experiment's: rename the file"}},
		{name: "two files of one name", files: map[string]string{"latency.json": ownExperiment, "b/latency.json": ownExperiment},
			args: []string{"lab", "-experiments", "DIR/latency.json,DIR/b/latency.json"}, code: 2,
			wants: []string{"runs under its file's name, latency, as another file given does (", "): rename one"}},
		{name: "a file whose name cannot name a stack", files: map[string]string{"9 lives.json": ownExperiment},
			args: []string{"lab", "-experiments", "DIR/9 lives.json"}, code: 2,
			wants: []string{`"9 lives", which must start with a letter`, "rename the file"}},
		{name: "a file whose name a stack's could not hold", files: map[string]string{"latency.v2.json": ownExperiment},
			args: []string{"lab", "-experiments", "DIR/latency.v2.json"}, code: 2,
			wants: []string{`"latency.v2", which must start with a letter, hold only letters, digits and '-'`}},
		{name: "no such experiment file", args: []string{"lab", "-experiments", "DIR/nope.json"}, code: 2,
			wants: []string{"no experiment file DIR/nope.json"}},
		{name: "rate must be positive", args: []string{"lab", "-rate", "0"}, code: 2, wants: []string{"-rate"}},
		{name: "a negative wait is refused, naming its flag", args: []string{"lab", "-drain", "-5s"}, code: 2,
			wants: []string{"-drain -5s: a duration must not be negative"}},
		{name: "a negative stagger is refused, naming its flag", args: []string{"lab", "-stagger", "-1s"}, code: 2,
			wants: []string{"-stagger -1s: a duration must not be negative"}},
		// Refused before a cloud starts: each reached the compiler only inside the trials, named by its Go field.
		{name: "a negative pause is refused up front, naming its flag", args: []string{"lab", "-pause", "-1s"}, code: 2,
			wants: []string{"-pause -1s: a duration must not be negative"}},
		{name: "a negative onset is refused up front", args: []string{"lab", "-onset", "-3s"}, code: 2, wants: []string{"-onset -3s"}},
		{name: "a negative window is refused up front", args: []string{"lab", "-window", "-2s"}, code: 2, wants: []string{"-window -2s"}},
		// A pause the onset takes whole would have every trial judge nothing of its fault.
		{name: "an onset that takes the whole pause is refused up front", args: []string{"lab", "-pause", "3s", "-experiments", "exp_2-dynamodb_disruption"}, code: 2,
			wants: []string{"-onset 5s leaves no time to observe exp_2-dynamodb_disruption's fault", "3s after its write", "lengthen -pause"}},
		{name: "or an onset as long as it", args: []string{"lab", "-pause", "8s", "-onset", "8s"}, code: 2, wants: []string{"-onset 8s leaves no time"}},
		{name: "or one the compiler rounds up to it", args: []string{"lab", "-pause", "3s", "-onset", "2.5s"}, code: 2, wants: []string{"-onset 2.5s leaves no time"}},
		// An empty list ran nothing and passed: an empty $VAR in LAB_FLAGS would have passed CI.
		{name: "no experiment at all", args: []string{"lab", "-experiments", ","}, code: 2, wants: []string{`-experiments "," names no experiment`, "exp_1-minor_delay"}},
		{name: "no scenario at all", args: []string{"lab", "-scenarios", ""}, code: 2, wants: []string{`-scenarios "" names no scenario`}},
		{name: "rate NaN", args: []string{"lab", "-rate", "NaN"}, code: 2, wants: []string{"-rate NaN"}},
		{name: "concurrency named alone", args: []string{"lab", "-concurrency", "-1"}, code: 2, wants: []string{"-concurrency -1: want 0 or more"}},
		{name: "clouds named alone", args: []string{"lab", "-clouds", "0"}, code: 2, wants: []string{"-clouds 0: want 1 or more"}},
		{name: "local without a subcommand", args: []string{"local"}, code: 2, wants: []string{"up, deploy, delete, env or down"}},
		{name: "local -h shows two stacks side by side", args: []string{"local", "-h"}, code: 0,
			wants: []string{"-stack", "local deploy -scenario resilient -stack ChaosLabResilient", "local delete -stack name"}},
		{name: "local delete names its stack", args: []string{"local", "delete", "-dir", "DIR"}, code: 2,
			wants: []string{"-stack is required", "outputs.json"}},
		{name: "chaoslab -h lists local delete", args: []string{"-h"}, code: 0, wants: []string{"local up | deploy | delete | env | down"}},
		// chaoslab -h run is run's help, as chaoslab help run and chaoslab run -h are (it printed the list).
		{name: "chaoslab -h run", args: []string{"-h", "run"}, code: 0, wants: []string{"Usage:\n  chaoslab run [flags]", "-rollback-wait"}},
		{name: "chaoslab -h nonsense", args: []string{"-h", "nonsense"}, code: 2, wants: []string{`chaoslab -h: unknown command "nonsense"`}},
		{name: "chaoslab -h lists follow", args: []string{"-h"}, code: 0, wants: []string{"follow", "take up an execution that runs or has ended"}},
		{name: "follow -h says Ctrl-C only ends the watch", args: []string{"follow", "-h"}, code: 0,
			wants: []string{"Ctrl-C only ends the watch", "-journal", "-outputs", "-fault-parameter", "-rollback-wait", "-report", "<execution ARN>"}},
		{name: "follow wants one execution", args: []string{"follow"}, code: 2, wants: []string{"want one execution ARN, got 0 arguments"}},
		{name: "local delete with no cloud running", args: []string{"local", "delete", "-stack", "ChaosLabResilient", "-dir", "DIR"}, code: 2,
			wants: []string{"no local cloud is running"}},
		{name: "local bad stack name", args: []string{"local", "deploy", "-stack", "chaos_lab", "-dir", "DIR"}, code: 2,
			wants: []string{`-stack "chaos_lab" is not a CloudFormation stack name`}},
		{name: "local unknown subcommand", args: []string{"local", "sideways", "-dir", "DIR"}, code: 2, wants: []string{`"sideways"`}},
		{name: "local env with no cloud running", args: []string{"local", "env", "-dir", "DIR"}, code: 2, wants: []string{"no local cloud is running from DIR"}},
		// A word among the flags ended flag parsing: -dir was dropped and the default directory read.
		{name: "local down with a stray word", args: []string{"local", "down", "extra", "-dir", "DIR"}, code: 2, wants: []string{`local down: unexpected argument "extra"`}},
		// A flag the subcommand does not read is refused before anything is touched: down -stack
		// stopped every stack where the user meant to remove one.
		{name: "local down with a stack", args: []string{"local", "down", "-stack", "ChaosLabResilient", "-dir", "DIR"}, code: 2,
			wants: []string{"local down: -stack does not apply to down (it reads only -dir)", "chaoslab local delete -stack NAME"}},
		{name: "local env with a scenario", args: []string{"local", "env", "-scenario", "resilient", "-dir", "DIR"}, code: 2,
			wants: []string{"local env: -scenario does not apply to env (it reads only -dir)"}},
		{name: "local delete with a scenario", args: []string{"local", "delete", "-stack", "S", "-scenario", "flawed", "-dir", "DIR"}, code: 2,
			wants: []string{"local delete: -scenario does not apply to delete (it reads -dir and -stack)"}},
		{name: "local unknown subcommand outside the repository", outside: true, args: []string{"local", "sideways"}, code: 2,
			wants: []string{`unknown subcommand "sideways"`}},
		{name: "local deploy with no cloud running", args: []string{"local", "deploy", "-dir", "DIR"}, code: 2, wants: []string{"no local cloud is running"}},
		{name: "local bad scenario", args: []string{"local", "up", "-scenario", "chaotic", "-dir", "DIR"}, code: 2, wants: []string{`"chaotic"`}},
		// A team's own synthesized app: its assembly and stack checked before the cloud is asked.
		{name: "local deploy of an assembly and a scenario", args: []string{"local", "deploy", "-cdk-out", fixtureAssembly, "-scenario", "flawed", "-dir", "DIR"}, code: 2,
			wants: []string{"give -scenario (the lab's app, synthesized here) or -cdk-out (your app's synthesized assembly), not both"}},
		{name: "local deploy of a folder that is no assembly", args: []string{"local", "deploy", "-cdk-out", "DIR", "-dir", "DIR"}, code: 2,
			wants: []string{"is not a cloud assembly (no manifest.json in it): write one with npx cdk synth -o"}},
		{name: "local deploy of a stack the assembly lacks", args: []string{"local", "deploy", "-cdk-out", fixtureAssembly, "-stack", "Orders", "-dir", "DIR"}, code: 2,
			wants: []string{"has no stack Orders (-stack): it has Fixture"}},
		{name: "local deploy of an assembly with no cloud running", args: []string{"local", "deploy", "-cdk-out", fixtureAssembly, "-stack", "Fixture", "-dir", "DIR"}, code: 2,
			wants: []string{"no local cloud is running"}},
		// A cloud named by its absolute -dir is reached from anywhere: only up and deploy synthesize.
		{name: "local env outside the repository", outside: true, args: []string{"local", "env", "-dir", "DIR"}, code: 2, wants: []string{"no local cloud is running"}},
		// A stop finds nothing to stop: said, not failed (a script's trap after a crash).
		{name: "local down outside the repository", outside: true, args: []string{"local", "down", "-dir", "DIR"}, code: 0,
			wants: []string{"chaoslab local down: nothing to stop: no local cloud is running from DIR\n"}},
		// After a crash: the stale state file it left is removed, and said so.
		{name: "local down after a crash", args: []string{"local", "down", "-dir", "DIR"}, code: 0, files: map[string]string{"cloud.json": `{"pid": 999999999}`},
			wants: []string{"chaoslab local down: nothing to stop: no local cloud is running from DIR (its stale state file, of pid 999999999, removed"}},
		{name: "local delete outside the repository", outside: true, args: []string{"local", "delete", "-stack", "S", "-dir", "DIR"}, code: 2, wants: []string{"no local cloud is running"}},
		{name: "local up outside the repository", outside: true, args: []string{"local", "up", "-dir", "DIR"}, code: 2, wants: []string{"no cdk.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.outside {
				t.Chdir(dir)
			}
			for i, a := range tt.args {
				tt.args[i] = strings.ReplaceAll(a, "DIR", dir)
			}
			for name, text := range tt.files {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			m, out, errb := newMain()
			err := m.Run(context.Background(), tt.args)
			if code := cli.Report(errb, err, ExitError); code != tt.code {
				t.Fatalf("exit %d, want %d (err %v)\n%s", code, tt.code, err, errb)
			}
			text := out.String() + errb.String()
			for _, w := range tt.wants {
				if w = strings.ReplaceAll(w, "DIR", dir); !strings.Contains(text, w) {
					t.Errorf("output does not mention %q:\n%s", w, text)
				}
			}
		})
	}
}

// A benchmark that fails before its end (here: run outside the repository) leaves the -json and
// -profile files of an earlier run as they were: they were emptied when it started.
func TestBenchKeepsEarlierFilesWhenItFails(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	steps, prof := filepath.Join(dir, "steps.json"), filepath.Join(dir, "cpu.pprof")
	for _, f := range []string{steps, prof} {
		if err := os.WriteFile(f, []byte("an earlier run's"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m, _, errb := newMain()
	err := m.Run(context.Background(), []string{"bench", "-json", steps, "-profile", prof})
	if err == nil || !strings.Contains(err.Error(), "no cdk.json") {
		t.Fatalf("bench outside the repository: %v, want no cdk.json\n%s", err, errb)
	}
	for _, f := range []string{steps, prof} {
		if b, err := os.ReadFile(f); err != nil || string(b) != "an earlier run's" {
			t.Errorf("%s after the failed benchmark: %q %v, want the earlier run's", f, b, err)
		}
	}
}

// A scenario or experiment named twice is run once: two trials would share one stack name. An
// experiment file of one's own runs under its file's name, once however often it is given.
func TestLabListsAreUnique(t *testing.T) {
	if got := uniqueList(" flawed, flawed,resilient,,flawed", nil); !slices.Equal(got, []string{"flawed", "resilient"}) {
		t.Errorf("scenarios %q, want flawed, resilient", got)
	}
	own := filepath.Join(t.TempDir(), "latency.json")
	if err := os.WriteFile(own, []byte(ownExperiment), 0o644); err != nil {
		t.Fatal(err)
	}
	var c lab.Config
	if err := labExperiments(&c, "exp_1-minor_delay.json,"+own+",exp_2-dynamodb_disruption,exp_1-minor_delay,"+own); err != nil {
		t.Fatal(err)
	}
	if want := []string{"exp_1-minor_delay", "latency", "exp_2-dynamodb_disruption"}; !slices.Equal(c.Experiments, want) {
		t.Errorf("experiments %q, want %q", c.Experiments, want)
	}
	// The lab runs the file's experiment under that name, and the shipped ones as shipped.
	if e, err := c.Definition("latency"); err != nil || e.Title != "My latency experiment" {
		t.Errorf("latency: %v, %v", e, err)
	}
	if e, err := c.Definition("exp_1-minor_delay"); err != nil || e.Title != "Minor delays should not impact processing" {
		t.Errorf("exp_1: %v, %v", e, err)
	}
}

// In the experiments folder, where the shipped files lie, the shipped names are the shipped
// experiments (the default list was refused there as files named as shipped ones).
func TestLabShippedNamesInTheExperimentsFolder(t *testing.T) {
	t.Chdir(filepath.Join("..", "..", "experiments"))
	var c lab.Config
	if err := labExperiments(&c, "all"); err != nil {
		t.Fatal(err)
	}
	if len(c.Own) != 0 || len(c.Experiments) != 5 {
		t.Errorf("experiments %q, own %d; want the five shipped, none of one's own", c.Experiments, len(c.Own))
	}
}

// Two experiments that would share a stack are refused before anything is synthesized.
func TestLabStackNamesAreTheirOwn(t *testing.T) {
	c := lab.Config{Scenarios: []string{"flawed"}, Experiments: []string{"exp_1-minor_delay", "exp1-z", "exp-1-minor-delay", "exp-x"}}
	if err := c.CheckStackNames(); err == nil || !strings.Contains(err.Error(), "would both run on the stack ChaosLab-flawed-exp-1-minor-delay") {
		t.Errorf("CheckStackNames: %v", err)
	}
	c.Experiments = []string{"exp_1-minor_delay", "latency", "latency-v2"}
	if err := c.CheckStackNames(); err != nil {
		t.Errorf("CheckStackNames of distinct stacks: %v", err)
	}
}

// ownExperiment is an experiment of one's own, as lab 3 has the learner write: the shipped exp_1's
// probes and fault, under a title of its own; ownFiles it with the query files its probes read
// (beside it, as the shipped ones have theirs).
var ownExperiment, ownFiles = func() (string, map[string]string) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", "experiments", name))
		if err != nil {
			panic(err)
		}
		return string(b)
	}
	e := strings.Replace(read("exp_1-minor_delay.json"), `"title": "Minor delays should not impact processing"`, `"title": "My latency experiment"`, 1)
	return e, map[string]string{"latency.json": e, "steadyStateFlight.json": read("steadyStateFlight.json"), "steadyStateError.json": read("steadyStateError.json")}
}()

func TestRepeatHeading(t *testing.T) {
	runs := func(n ...int) []lab.Result {
		var rs []lab.Result
		for _, r := range n {
			rs = append(rs, lab.Result{Run: r}, lab.Result{Run: r})
		}
		return rs
	}
	if got := repeatHeading(runs(1, 2, 3), 3, false); !strings.Contains(got, "over 3 runs:") {
		t.Errorf("every run done: %q", got)
	}
	if got := repeatHeading(runs(1, 2), 5, false); !strings.Contains(got, "over 2 runs (of 5 asked: the lab stopped after run 2)") {
		t.Errorf("stopped after run 2 of 5: %q", got)
	}
	// Stopped during run 2: its trials, stopped or never run, are no run (they counted as misses,
	// "1 of 2 runs deviated").
	complete := completeRuns(runs(1, 2))
	if len(complete) != 2 || complete[0].Run != 1 || complete[1].Run != 1 {
		t.Errorf("complete runs of an interrupted lab: %+v, want run 1's alone", complete)
	}
	if got := repeatHeading(complete, 5, true); !strings.Contains(got, "over 1 run (of 5 asked: the lab was stopped during run 2, which is left out)") {
		t.Errorf("stopped during run 2 of 5: %q", got)
	}
}

// fixtureAssembly is a synthesized cloud assembly with one stack, Fixture (local/template's).
const fixtureAssembly = "../../local/template/testdata/cdk.out"
