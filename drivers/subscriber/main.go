// Command subscriber drains the stack's CSV queue, counts each converted
// document once, optionally verifies each CSV, reports the documents in the
// error queue with their reason, and prints a JSON summary on stdout when it
// stops (-idle, -duration, -expect or Ctrl-C), with the receives that failed
// (receive_errors; each is also logged as it happens). Given the publisher's
// manifest (-published) it also reconciles: published, converted, in the
// error queue, lost.
//
//	go run ./drivers/subscriber -verify -idle 60s -published published.json
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/publish"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/stack"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/subscribe"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/tally"
)

func main() {
	ctx, stop := cli.SignalContext()
	defer stop()
	m := NewMain()
	os.Exit(cli.Report(m.Stderr, m.Run(ctx, os.Args[1:]), 1))
}

// Main is the subscriber command.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// NewClients builds the SQS and S3 clients; tests point them at local
	// services. Default: the SDK's default config (AWS_ENDPOINT_URL honoured).
	NewClients func(ctx context.Context) (subscribe.Queue, subscribe.Getter, error)
}

// NewMain returns the command wired to the process's streams.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
}

// Output is what the subscriber prints: its summary and, with -published,
// the reconciliation.
type Output struct {
	subscribe.Summary
	Tally *tally.Report `json:"tally,omitempty"`
}

const usage = `subscriber drains the stack's CSV queue and counts converted documents.

Each message is the SNS envelope of the S3 event of one CSV the function wrote;
the subscriber deletes it and counts its document once (duplicates separately).
With -verify it reads each CSV from S3 and checks the header
objectName,submissionDate,author,formatVersion and the row. It also reads the
error queue (peeking unless -drain-errors) and lists the documents there with
their ErrorReason. It stops at -idle, -duration, -expect or Ctrl-C, prints
progress on stderr every -progress and a JSON summary on stdout; it gives up
sooner (stopped_by "give-up") once receives have kept failing, none answering,
for -give-up (the cloud gone). Exit code 0, 1 when a CSV failed verification or
documents were lost, 2 on a bad command line, when no AWS region is set, when no
receive answered (a wrong queue URL or endpoint: nothing is known), when it
gave up, or when Ctrl-C or -duration stopped it with documents not accounted
for (what was not read is not known); 1 also when documents are not accounted
for and receives failed (lost, or not read). Messages a receive brought in after Ctrl-C are made
visible again at once, not held for the queue's visibility timeout.

The queues and the bucket come from their flags or the stack outputs file
(-outputs); when the file holds several stacks, -stack picks one.

Usage:
  subscriber [flags]

Flags:
`

// Run parses args and drains.
func (m *Main) Run(ctx context.Context, args []string) error {
	// A wrong command line gets its synopsis as its second line; a local cloud gone, what to do.
	return cli.WithLocalCloudHint(cli.WithSynopsis(m.run(ctx, args), "subscriber [flags]", "subscriber"))
}

func (m *Main) run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("subscriber", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	names := stack.Bind(fs, map[string]string{
		stack.CsvQueueUrl: "csv-queue-url", stack.ErrorQueueUrl: "error-queue-url", stack.BucketName: "bucket",
	})
	verify := fs.Bool("verify", false, "fetch each CSV from S3 and check its header and row")
	errorQueue := fs.Bool("error-queue", true, "also read the error queue and report the documents there")
	drain := fs.Bool("drain-errors", false, "delete what is read from the error queue (default: peek, leave it there)")
	idle := fs.Duration("idle", 0, "stop after no new message for this long, e.g. 60s (0: never; a peeked error-queue message seen again is not new)")
	duration := fs.Duration("duration", 0, "stop after this long (0: no limit)")
	expect := fs.Int("expect", 0, "stop once this many distinct documents are converted (0: no limit)")
	runID := fs.String("run-id", "", "count only this publisher run's documents (<run-id>-data_object_msg-<n>); others are deleted and counted as other")
	published := fs.String("published", "", "the publisher's -manifest file: reconcile published, converted, in the error queue, lost (the publisher writes it when it ends: start the subscriber after)")
	wait := fs.Duration("wait", 5*time.Second, "long-poll time of one receive (1s to 20s, in whole seconds)")
	pollers := fs.Int("pollers", 2, "concurrent receivers on the CSV queue")
	progress := fs.Duration("progress", 10*time.Second, "how often to print progress on stderr (the seed's 10 s)")
	giveUp := fs.Duration("give-up", time.Minute, "stop, exit 2, once receives have kept failing, none answering, for this long (0: never; an empty receive is an answer)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.Argsf(fs, "subscriber [flags]", "subscriber: unexpected arguments %q", fs.Args())
	}
	// Each refused by its flag's name (the library's checks name its Config fields).
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"-idle", *idle}, {"-duration", *duration}} {
		if d.v < 0 {
			return cli.Usagef("subscriber: %s %s must not be negative (0: no limit)", d.flag, d.v)
		}
	}
	if *giveUp < 0 {
		return cli.Usagef("subscriber: -give-up %s must not be negative (0: never)", *giveUp)
	}
	switch {
	case *expect < 0:
		return cli.Usagef("subscriber: -expect %d must not be negative (0: no limit)", *expect)
	case *pollers < 1 || *pollers > maxPollers:
		return cli.Usagef("subscriber: -pollers %d: want 1 to %d receivers", *pollers, maxPollers)
	case *wait < time.Second || *wait > 20*time.Second || *wait%time.Second != 0:
		return cli.Usagef("subscriber: -wait %s: a long poll is 1s to 20s, in whole seconds", *wait)
	case *progress <= 0:
		return cli.Usagef("subscriber: -progress %s: want a positive interval", *progress)
	}
	res, err := names.Resolve(stack.CsvQueueUrl)
	if err != nil {
		return cli.Usagef("subscriber: %w", err)
	}
	var errURL, bucket string
	if *errorQueue {
		if errURL, err = names.Optional(stack.ErrorQueueUrl); err != nil {
			return cli.Usagef("subscriber: %w", err)
		}
	}
	if *verify {
		if bucket, err = names.Optional(stack.BucketName); err != nil {
			return cli.Usagef("subscriber: %w", err)
		}
	}
	// A run id names objects (publisher -run-id): one with '/' or spaces matches none, and the
	// subscriber would wait for documents it can never count.
	if !publish.ValidRunID(*runID) {
		return cli.Usagef("subscriber: -run-id %q: must not contain '/' or spaces (the publisher refuses such a run id)", *runID)
	}
	var pub *publish.Summary
	if *published != "" {
		b, err := os.ReadFile(*published)
		if errors.Is(err, os.ErrNotExist) {
			return cli.Usagef("subscriber: -published: %w: the publisher writes its -manifest when it ends; to reconcile, run the subscriber after the publisher has exited (the documents wait in the queues)", err)
		}
		if err != nil {
			return cli.Usagef("subscriber: -published: %w", err)
		}
		pub = new(publish.Summary)
		if err := json.Unmarshal(b, pub); err != nil {
			return cli.Usagef("subscriber: -published %s: not a publisher manifest: %w", *published, err)
		}
		// The manifest names every published key: without them, each would count as neither
		// converted nor lost (the publisher's stdout summary, other JSON, {}).
		switch {
		case pub.RunID == "":
			return cli.Usagef("subscriber: -published %s: not a publisher manifest (no run_id): give the file the publisher's -manifest wrote", *published)
		case len(pub.Keys) != pub.Published:
			return cli.Usagef("subscriber: -published %s: %d documents published but %d keys listed: give the file the publisher's -manifest wrote (its stdout summary lists none)", *published, pub.Published, len(pub.Keys))
		}
		if *runID == "" {
			*runID = pub.RunID
		}
	}

	log := cli.Logger(m.Stderr)
	q, getter, err := m.clients(ctx)
	if err != nil {
		return err
	}
	cfg := subscribe.Config{
		QueueURL: res[stack.CsvQueueUrl], ErrorQueueURL: errURL, DrainErrors: *drain, Verify: *verify, Bucket: bucket,
		RunID: *runID, Idle: *idle, Duration: *duration, Expect: *expect, Wait: *wait, Pollers: *pollers,
		GiveUp: *giveUp, ProgressEvery: *progress, Logger: log,
		Progress: func(s subscribe.Stats) {
			fmt.Fprintf(m.Stderr, "subscriber: %6.1fs converted=%d duplicates=%d verify_failures=%d in_error_queue=%d rate=%.2f/s avg=%.2f/s\n",
				s.Elapsed.Seconds(), s.Converted, s.Duplicates, s.VerifyFailures, s.InErrorQueue, s.Recent, s.Rate)
		},
	}
	log.Info("subscribing", "csv_queue_url", cfg.QueueURL, "error_queue_url", cfg.ErrorQueueURL, "verify", cfg.Verify,
		"run_id", cfg.RunID, "idle", idle.String(), "duration", duration.String(), "expect", *expect, "give_up", giveUp.String())
	sum, err := subscribe.Run(ctx, q, getter, cfg)
	if err != nil {
		return cli.Usagef("subscriber: %w", err)
	}
	out := Output{Summary: sum}
	// Stopped before the queues were read to their end (Ctrl-C, -duration, a give-up, no receive
	// answered), a document not found is not known to be lost: the summary says "unaccounted", as
	// stderr does.
	unread := sum.StoppedBy == "interrupt" || sum.StoppedBy == "duration" || sum.StoppedBy == "give-up" || sum.Receives == 0 && sum.ReceiveErrors > 0
	if pub != nil {
		r := tally.ReconcileSummaries(*pub, sum)
		if unread {
			r.NotReadToEnd()
		}
		out.Tally = &r
	}
	enc := json.NewEncoder(m.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	switch {
	case sum.StoppedBy == "give-up":
		// What the queues held after the failures began was not read: no verdict, as below.
		return cli.Exit(2, fmt.Errorf("subscriber: gave up: no receive answered for -give-up %s (%d failed, %d answered); the last: %w",
			*giveUp, sum.ReceiveErrors, sum.Receives, sum.LastErr))
	case sum.Receives == 0 && sum.ReceiveErrors > 0:
		// Not one receive answered: nothing is known of the pipeline, not even a loss.
		return cli.Exit(2, fmt.Errorf("subscriber: every receive failed (%d; their errors are logged above): the queues were never read (is the queue URL or the endpoint right?); the last: %w",
			sum.ReceiveErrors, sum.LastErr))
	case len(sum.VerifyFailures) > 0:
		return cli.Exit(1, fmt.Errorf("subscriber: %d converted documents failed verification", len(sum.VerifyFailures)))
	case sum.StoppedBy == "duration" && out.Tally != nil && out.Tally.Unaccounted > 0:
		return cli.Exit(2, fmt.Errorf("subscriber: -duration %s over: %d of %d published documents not accounted for yet (the queue was not read to its end: run it again, or longer, to reconcile)",
			*duration, out.Tally.Unaccounted, out.Tally.Published))
	case sum.StoppedBy == "interrupt" && out.Tally != nil && out.Tally.Unaccounted > 0:
		// Stopped before the queue was read to its end: what was not read is not known, as after a
		// give-up. An interrupted reconciliation said "lost" of documents still in the queue.
		return cli.Exit(2, fmt.Errorf("subscriber: interrupted: %d of %d published documents not accounted for yet (the queue was not read to its end: run it again to reconcile)",
			out.Tally.Unaccounted, out.Tally.Published))
	case out.Tally != nil && out.Tally.Lost > 0 && sum.ReceiveErrors > 0:
		return cli.Exit(1, fmt.Errorf("subscriber: %d of %d published documents not accounted for, and %d receives failed: lost, or not read; the last failure: %w",
			out.Tally.Lost, out.Tally.Published, sum.ReceiveErrors, sum.LastErr))
	case out.Tally != nil && out.Tally.Lost > 0:
		return cli.Exit(1, fmt.Errorf("subscriber: %d of %d published documents lost", out.Tally.Lost, out.Tally.Published))
	}
	return nil
}

func (m *Main) clients(ctx context.Context) (subscribe.Queue, subscribe.Getter, error) {
	if m.NewClients != nil {
		return m.NewClients(ctx)
	}
	cfg, err := cli.AWSConfig(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := cli.CheckRegion(cfg); err != nil {
		return nil, nil, cli.Exit(2, fmt.Errorf("subscriber: %w", err))
	}
	// -verify reads every CSV back: an object stored without a checksum (the local cloud's, or one
	// uploaded without) made the SDK log "Response has no supported checksum" once per document.
	return sqs.NewFromConfig(cfg), s3.NewFromConfig(cfg, func(o *s3.Options) { o.DisableLogOutputChecksumValidationSkipped = true }), nil
}

// maxPollers bounds -pollers: each is a goroutine and a long poll held open (a typo of millions
// would take the machine's memory whole).
const maxPollers = 256
