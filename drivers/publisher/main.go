// Command publisher uploads documents in the seed lab's shape to the
// stack's bucket at a steady rate, prints live progress on stderr and a
// JSON summary on stdout when it stops (count, duration or Ctrl-C).
//
//	go run ./drivers/publisher -count 600 -manifest published.json
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/publish"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/stack"
)

func main() {
	ctx, stop := cli.SignalContext()
	defer stop()
	m := NewMain()
	os.Exit(cli.Report(m.Stderr, m.Run(ctx, os.Args[1:]), 1))
}

// Main is the publisher command.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// NewClient builds the S3 client; tests point it at a local S3.
	// Default: the SDK's default config (AWS_ENDPOINT_URL honoured).
	NewClient func(ctx context.Context) (publish.Putter, error)
	// Now is the clock for the default run id. Default: time.Now.
	Now func() time.Time
}

// NewMain returns the command wired to the process's streams.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
}

const usage = `publisher uploads documents in the seed lab's shape to the stack's bucket.

Each document is input/<run-id>-data_object_msg-<n>.json with the body
  {"symbol":"ABCD","messageId":n,"value":10,"objectName":"<run-id>-data_object_msg-<n>.json",
   "submissionDate":"23-Nov-2026 13:20:00","author":"the_publisher.py","version":1.1}
and a share of them malformed (the first '"' removed), as the seed's publisher does.
It runs until -count documents, -duration, or Ctrl-C, printing progress on stderr
every -progress and a JSON summary on stdout at the end; it gives up sooner
(stopped_by "give-up") once uploads have kept failing, none succeeding, for
-give-up (the cloud gone). Exit code 0 when every upload succeeded, 1 when some
failed, it gave up, or the -manifest file could not be written (the keys are
then in the summary), 2 on a bad command line or when no AWS region is set.

The bucket comes from -bucket or the stack outputs file (-outputs); when the
file holds several stacks (a local cloud holding several), -stack picks one.

Usage:
  publisher [flags]

Flags:
`

// Run parses args and publishes.
func (m *Main) Run(ctx context.Context, args []string) error {
	// A wrong command line gets its synopsis as its second line; a local cloud gone, what to do.
	return cli.WithLocalCloudHint(cli.WithSynopsis(m.run(ctx, args), "publisher [flags]", "publisher"))
}

func (m *Main) run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("publisher", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	names := stack.Bind(fs, map[string]string{stack.BucketName: "bucket"})
	rate := fs.Float64("rate", 2, "documents per second (the seed's 20 per 10 s); 0 or less: as fast as uploads go")
	count := fs.Int("count", 0, "stop after this many documents (0: no limit)")
	duration := fs.Duration("duration", 0, "stop after this long, e.g. 5m (0: no limit)")
	malformed := fs.Float64("malformed", 0.01, "share of malformed documents in [0, 1] (the seed's 1 %)")
	seed := fs.Uint64("seed", 0, "random seed for symbols, values and which documents are malformed (0: from the clock; the summary reports it)")
	runID := fs.String("run-id", "", "prefix of every object name, so runs do not collide (default: run-<UTC time to the millisecond>-<6 random hex digits>)")
	concurrency := fs.Int("concurrency", 8, "uploads in flight at most")
	progress := fs.Duration("progress", 10*time.Second, "how often to print progress on stderr (the seed's 10 s)")
	manifest := fs.String("manifest", "", "also write the full summary, with every published key, to this file (refused where one exists, unless -force)")
	force := fs.Bool("force", false, "replace the -manifest file where it exists already")
	giveUp := fs.Duration("give-up", time.Minute, "stop, exit 1, once uploads have kept failing, none succeeding, for this long (0: never; a run where some uploads succeed goes on)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.Argsf(fs, "publisher [flags]", "publisher: unexpected arguments %q", fs.Args())
	}
	if !(*malformed >= 0 && *malformed <= 1) { // NaN fails both
		return cli.Usagef("publisher: -malformed %v is not a share in [0, 1]", *malformed)
	}
	if math.IsNaN(*rate) || math.IsInf(*rate, 0) || *rate > 0 && *rate < minRate {
		// Below one a day the spacing of the documents overflows a duration (1e-20 published all at once).
		return cli.Usagef("publisher: -rate %v: want documents per second, at least one a day (%.2g; 0 or less: as fast as uploads go)", *rate, minRate)
	}
	if *count < 0 {
		return cli.Usagef("publisher: -count %d must not be negative (0: until -duration or Ctrl-C)", *count)
	}
	if *duration < 0 {
		return cli.Usagef("publisher: -duration %s must not be negative (0: until -count or Ctrl-C)", *duration)
	}
	if *concurrency < 1 || *concurrency > maxInFlight {
		return cli.Usagef("publisher: -concurrency %d: want 1 to %d uploads in flight", *concurrency, maxInFlight)
	}
	if *progress <= 0 {
		return cli.Usagef("publisher: -progress %s: want a positive interval", *progress)
	}
	if *giveUp < 0 {
		return cli.Usagef("publisher: -give-up %s must not be negative (0: never)", *giveUp)
	}
	res, err := names.Resolve(stack.BucketName)
	if err != nil {
		return cli.Usagef("publisher: %w", err)
	}

	now := m.Now
	if now == nil {
		now = time.Now
	}
	if *runID == "" {
		*runID = defaultRunID(now())
	} else if !publish.ValidRunID(*runID) {
		// Said before anything is logged or uploaded, naming the flag (publish.Config names its field).
		return cli.Usagef("publisher: -run-id %q: must not contain '/' or spaces (it starts every object's name)", *runID)
	}
	if *seed == 0 {
		*seed = uint64(now().UnixNano())
	}
	share := *malformed
	if share == 0 {
		share = -1 // publish.Config: negative means none, zero means the default
	}
	if *rate <= 0 {
		*rate = -1
	}

	if *manifest != "" {
		// Before any upload: a manifest that cannot be written after them would lose the keys.
		if err := cli.WritableFile(*manifest); err != nil {
			return cli.Usagef("publisher: -manifest %s: %w", *manifest, err)
		}
		// Another run's manifest is the only list of its keys that subscriber -published can
		// account for: written over, that run could not be reconciled any more.
		if st, err := os.Stat(*manifest); err == nil && !st.IsDir() && !*force {
			return cli.Usagef("publisher: -manifest %s exists (an earlier run's keys): give another file, or pass -force to replace it", *manifest)
		}
	}

	log := cli.Logger(m.Stderr)
	client, err := m.client(ctx)
	if err != nil {
		return err
	}
	cfg := publish.Config{
		Bucket: res[stack.BucketName], RunID: *runID, Rate: *rate, Count: *count, Duration: *duration,
		Malformed: share, Seed: *seed, Concurrency: *concurrency, GiveUp: *giveUp, ProgressEvery: *progress, Logger: log,
		Progress: func(s publish.Stats) {
			fmt.Fprintf(m.Stderr, "publisher: %6.1fs published=%d malformed=%d failed=%d rate=%.2f/s avg=%.2f/s\n",
				s.Elapsed.Seconds(), s.Published, s.Malformed, s.Failed, s.Recent, s.Rate)
		},
	}
	log.Info("publishing", "bucket", cfg.Bucket, "run_id", cfg.RunID, "rate", *rate, "count", *count,
		"duration", duration.String(), "malformed", *malformed, "seed", *seed, "give_up", giveUp.String())
	sum, err := publish.Run(ctx, client, cfg)
	if err != nil {
		return cli.Usagef("publisher: %w", err)
	}
	var manifestErr error
	if *manifest != "" {
		manifestErr = writeJSON(*manifest, sum)
	}
	short := sum
	short.Keys = nil // the manifest holds them; stdout stays readable for thousands of documents
	if manifestErr != nil {
		short.Keys = sum.Keys // the manifest's keys, then, are here
	}
	enc := json.NewEncoder(m.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(short); err != nil {
		return err
	}
	if manifestErr != nil {
		return fmt.Errorf("publisher: the documents are published, but %w (their keys are in the summary above)", manifestErr)
	}
	if sum.StoppedBy == "give-up" {
		return cli.Exit(1, fmt.Errorf("publisher: gave up: no upload succeeded for -give-up %s (%d of %d uploads failed); the last: %w",
			*giveUp, sum.Failed, sum.Failed+sum.Published, sum.LastErr))
	}
	if sum.Failed > 0 {
		return cli.Exit(1, fmt.Errorf("publisher: %d of %d uploads failed; the last: %w",
			sum.Failed, sum.Failed+sum.Published, sum.LastErr))
	}
	return nil
}

func (m *Main) client(ctx context.Context) (publish.Putter, error) {
	if m.NewClient != nil {
		return m.NewClient(ctx)
	}
	cfg, err := cli.AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	if err := cli.CheckRegion(cfg); err != nil {
		return nil, cli.Exit(2, fmt.Errorf("publisher: %w", err))
	}
	return s3.NewFromConfig(cfg), nil
}

// minRate is the slowest -rate: one document a day.
const minRate = 1.0 / 86400

// maxInFlight bounds -concurrency: each slot is a goroutine and a connection, and 100 million of
// them took the machine's memory whole (a typo is not a load test).
const maxInFlight = 1024

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return nil
}

// defaultRunID names a run by its start, to the millisecond, and six random
// hex digits: two publishers started in the same second (a script starting
// one per stack) would otherwise write the same object names and overwrite
// each other's documents.
func defaultRunID(t time.Time) string {
	return fmt.Sprintf("run-%s-%06x", t.UTC().Format("20060102T150405.000"), rand.Uint32()&0xffffff)
}
