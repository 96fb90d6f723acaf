package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cdkapp"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/local/cloud"
)

// Config is one lab: what to run and how long each part lasts. `chaoslab lab` fills it from
// its flags, where the defaults are stated.
type Config struct {
	// Root is the repository: the folder holding cdk.json (cdkapp.FindRoot). Required.
	Root string
	// Dir is the work directory (cdk.out per scenario, the local clouds' logs) and Results where
	// journals, logs and summary.json are written; both relative to Root unless absolute.
	Dir, Results string
	// Scenarios and Experiments are run in order: every experiment (a shipped name) on every scenario.
	Scenarios, Experiments []string
	// Overrides compress the experiments' durations (windows, pauses, recovery, expiry margin).
	Overrides experiments.Overrides
	// Rate is the documents per second the publisher uploads.
	Rate float64
	// Warmup is the load before the experiment starts; Drain the longest wait afterwards for
	// documents still in the pipeline, which ends early once nothing has converted for Quiet.
	Warmup, Drain, Quiet time.Duration
	// Parallel runs the scenarios side by side, each on a local cloud of its own; else one cloud
	// runs them one after the other.
	Parallel bool
	// Progress gets the phases as they start and end, and the local clouds' output. Default: discarded.
	Progress io.Writer
	// Now is the clock for the executions' names. Default: time.Now.
	Now func() time.Time
}

// Summary is what a lab produced: every result, in the order run, also written to
// <Results>/summary.json.
type Summary struct {
	Results []Result
	// Dir is the absolute results directory: journals, logs and summary.json.
	Dir string
	// Elapsed is the lab time, from the first synth to the summary.
	Elapsed time.Duration
}

// Run runs the lab: it synthesizes every scenario, then runs the lanes (one per scenario when
// Parallel, else one for all), each on a local cloud of its own, and writes summary.json.
//
// It returns a Summary whenever some experiment ran, with the error of a lane that failed (its
// local cloud did not start, ctx was cancelled) if any; nil and the error when nothing ran. A
// Summary without error may still fail the lab's proof: see Expectations.
func Run(ctx context.Context, c Config) (*Summary, error) {
	if c.Root == "" {
		return nil, errors.New("lab: Config.Root is required")
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(c.Root, p)
	}
	c.Dir, c.Results = abs(c.Dir), abs(c.Results)
	for _, d := range []string{c.Dir, c.Results} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	ph := &phaser{w: c.Progress, start: time.Now()}

	cdkOut, err := synthesize(ctx, c, ph)
	if err != nil {
		return nil, err
	}
	results, laneErr := runLanes(ctx, c, cdkOut, ph)
	if laneErr != nil && len(results) == 0 {
		return nil, laneErr
	}
	b, _ := json.MarshalIndent(results, "", "  ")
	if err := os.WriteFile(filepath.Join(c.Results, "summary.json"), append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	return &Summary{Results: results, Dir: c.Results, Elapsed: time.Since(ph.start)}, laneErr
}

// synthesize synthesizes the CDK app once per scenario, for the host, and returns each one's
// cdk.out by scenario.
func synthesize(ctx context.Context, c Config, ph *phaser) (map[string]string, error) {
	cdkOut := map[string]string{}
	for _, s := range c.Scenarios {
		cdkOut[s] = filepath.Join(c.Dir, "cdk.out."+s)
		logPath := filepath.Join(c.Results, "synth-"+s+".log")
		err := ph.do("synthesize the CDK app, scenario "+s+" (log: "+cdkapp.Rel(c.Root, logPath)+")", func() error {
			f, err := os.Create(logPath)
			if err != nil {
				return err
			}
			defer f.Close()
			return cdkapp.Synth(ctx, c.Root, s, cdkOut[s], f)
		})
		if err != nil {
			return nil, err
		}
	}
	return cdkOut, nil
}

// runLanes runs the lanes side by side and returns their results, in the order of the
// scenarios, with their errors joined.
//
// Each lane runs its scenarios one after the other on a local cloud of its own. Side by side, the
// lab takes half the time: a run mostly waits (windows, pauses, drain), so two lanes share 2 cores
// without changing what the probes see (README, design notes).
func runLanes(ctx context.Context, c Config, cdkOut map[string]string, ph *phaser) ([]Result, error) {
	lanes := [][]string{c.Scenarios}
	if c.Parallel && len(c.Scenarios) > 1 {
		lanes = nil
		for _, s := range c.Scenarios {
			lanes = append(lanes, []string{s})
		}
	}
	progress := &lockedWriter{w: ph.w}
	// A lane that fails (its cloud does not start) stops the others: the lab cannot pass without it.
	laneCtx, stopLanes := context.WithCancel(ctx)
	defer stopLanes()
	laneResults := make([][]Result, len(lanes))
	laneErrs := make([]error, len(lanes))
	var wg sync.WaitGroup
	for i, lane := range lanes {
		w, dir := io.Writer(progress), filepath.Join(c.Dir, "cloud")
		if len(lanes) > 1 {
			w, dir = cli.Prefix(progress, "["+lane[0]+"] "), filepath.Join(c.Dir, "cloud-"+lane[0])
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			laneResults[i], laneErrs[i] = runLane(laneCtx, c, lane, cdkOut, &phaser{w: w, start: ph.start}, dir)
			if laneErrs[i] != nil {
				stopLanes()
			}
		}()
	}
	wg.Wait()
	var results []Result
	for _, rs := range laneResults {
		results = append(results, rs...)
	}
	return results, errors.Join(laneErrs...)
}

// runLane starts a local cloud in dir, runs every experiment on each of scenarios there, one after
// the other, and stops the cloud (every process by pid), also on failure or cancellation.
func runLane(ctx context.Context, c Config, scenarios []string, cdkOut map[string]string, ph *phaser, dir string) ([]Result, error) {
	var lc *cloud.Cloud
	err := ph.do("start the local cloud on 127.0.0.1", func() error {
		var err error
		lc, err = cloud.Start(ctx, cloud.Options{Dir: dir, Root: c.Root, Log: cli.Indent(ph.w)})
		return err
	})
	if err != nil {
		return nil, err
	}
	defer func() {
		_ = ph.do("stop the local cloud (every process by pid)", lc.Close)
	}()
	fmt.Fprintf(ph.w, "    endpoint %s\n", lc.Endpoint())

	var results []Result
	for _, s := range scenarios {
		for _, e := range c.Experiments {
			if ctx.Err() != nil {
				return results, ctx.Err()
			}
			var r Result
			_ = ph.do(fmt.Sprintf("%s on %s", e, s), func() error {
				r = runTrial(ctx, c, lc, cdkOut[s], s, e)
				fmt.Fprintf(ph.w, "    verdict %s; %d published, %d converted, %d in the error queue, %d pending in the work queue, %d lost; %d DynamoDB writes missing\n",
					r.Verdict, r.Published, r.Documents.Converted, r.Documents.InErrorQueue, r.Pending, r.Lost, r.WritesMissing)
				if r.Error != "" {
					return errors.New(r.Error)
				}
				return nil
			})
			results = append(results, r)
		}
	}
	if ctx.Err() == nil {
		_ = ph.do("tear down the last stack", func() error { return lc.Teardown(ctx) })
	}
	return results, nil
}

// phaser prints a line when a phase starts and its duration when it ends.
type phaser struct {
	w     io.Writer
	start time.Time
}

func (p *phaser) do(name string, f func() error) error {
	t := time.Now()
	fmt.Fprintf(p.w, "==> %s\n", name)
	err := f()
	status := "done"
	if err != nil {
		status = "FAILED"
	}
	fmt.Fprintf(p.w, "    %s in %s (lab time %s)\n", status, time.Since(t).Round(100*time.Millisecond), time.Since(p.start).Round(time.Second))
	return err
}

// lockedWriter serialises writes from the lanes that share it.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
