package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/giveup"
)

// Putter is the part of the S3 client the publisher uses.
type Putter interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

var _ Putter = (*s3.Client)(nil)

// Config is one publishing run. Zero values take the defaults stated per field.
type Config struct {
	Bucket string // required
	// Prefix is where documents go; the stack's notification listens on it. Default: "input/".
	Prefix string
	// RunID prefixes every object name so runs do not overwrite each other. Default: none.
	RunID string
	// Rate in documents per second. Default: 2 (the seed's 20 per 10 s). Negative: as fast as possible.
	Rate float64
	// Count stops the run after this many documents. 0: no limit.
	Count int
	// Duration stops the run after this long. 0: no limit.
	Duration time.Duration
	// Malformed is the share of malformed documents, in [0, 1]. Use a negative
	// value for none; 0 takes the default. Default: 0.01 (the seed's 1 %).
	Malformed float64
	// Seed makes symbols, values and the malformed choice reproducible.
	Seed uint64
	// Concurrency bounds the uploads in flight. Default: 8.
	Concurrency int
	// PutTimeout bounds one upload; uploads in flight when the run stops finish
	// within it. Default: 30s.
	PutTimeout time.Duration
	// GiveUp ends the run (StoppedBy "give-up") once uploads have kept failing, none succeeding,
	// for this long: when an upload fails and the first failure since the last success is at
	// least GiveUp old. Failures alone, not time without success, so a slow Rate or slow uploads
	// never give up; and any success starts the count again, so a run where some uploads fail
	// (a fault, a short blip) goes on. 0: never (the lab drives load this way).
	GiveUp time.Duration
	// ProgressEvery is how often Progress is called. Default: 10s (the seed's).
	ProgressEvery time.Duration
	// Progress, if set, receives live totals every ProgressEvery.
	Progress func(Stats)
	// Logger for failed uploads. Default: slog.Default().
	Logger *slog.Logger
	// Now stamps submissionDate. Default: time.Now.
	Now func() time.Time
}

// Stats are the live totals of a run.
type Stats struct {
	Elapsed   time.Duration
	Published int
	Malformed int
	Failed    int
	Rate      float64 // published per second since the start
	// Recent is published per second since the last Progress call (the first: since the start):
	// the pace now, which Rate, an average over the whole run, follows slowly.
	Recent float64
}

// Summary is the outcome of a run.
type Summary struct {
	RunID     string `json:"run_id"`
	Bucket    string `json:"bucket"`
	Seed      uint64 `json:"seed"`
	Published int    `json:"published"`
	// Malformed counts published malformed documents (failed ones are not counted).
	Malformed     int       `json:"malformed"`
	Failed        int       `json:"failed"`
	StoppedBy     string    `json:"stopped_by"` // count, duration, interrupt or give-up
	Started       time.Time `json:"started"`
	Ended         time.Time `json:"ended"`
	Seconds       float64   `json:"seconds"`
	AchievedRate  float64   `json:"achieved_rate"`
	Keys          []string  `json:"keys,omitempty"` // every published key, by messageId
	MalformedKeys []string  `json:"malformed_keys"`
	FailedKeys    []string  `json:"failed_keys,omitempty"`
	// LastErr is the error of the last upload that failed (nil when none did), for the caller to
	// say why (errors.As sees the SDK's error); not in the JSON, which lists the failed keys.
	LastErr error `json:"-"`
}

// failureLogEvery spaces the "put failed" lines: the first failure is logged at once, then at
// most one line this often, counting the failures it stands for. One line per failed upload was
// a line every 100 ms at 10 documents/s for the 12 minutes a publisher ran after its cloud had
// gone.
const failureLogEvery = 5 * time.Second

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("publish config")

func (c *Config) defaults() error {
	if c.Prefix == "" {
		c.Prefix = "input/"
	}
	if c.Rate == 0 {
		c.Rate = 2
	}
	switch {
	case c.Malformed == 0:
		c.Malformed = 0.01
	case c.Malformed < 0:
		c.Malformed = 0
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 8
	}
	if c.PutTimeout <= 0 {
		c.PutTimeout = 30 * time.Second
	}
	if c.ProgressEvery <= 0 {
		c.ProgressEvery = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	var errs []error
	if c.Bucket == "" {
		errs = append(errs, fmt.Errorf("%w: Bucket: required", ErrConfig))
	}
	if c.Malformed > 1 {
		errs = append(errs, fmt.Errorf("%w: Malformed: %v is not a share in [0, 1]", ErrConfig, c.Malformed))
	}
	if c.Count < 0 || c.Count > MaxDocuments {
		errs = append(errs, fmt.Errorf("%w: Count: %d is outside [0, %d] (unique 4-letter symbols)", ErrConfig, c.Count, MaxDocuments))
	}
	if c.Duration < 0 {
		errs = append(errs, fmt.Errorf("%w: Duration: %v is negative", ErrConfig, c.Duration))
	}
	if c.GiveUp < 0 {
		errs = append(errs, fmt.Errorf("%w: GiveUp: %v is negative", ErrConfig, c.GiveUp))
	}
	if !ValidRunID(c.RunID) {
		errs = append(errs, fmt.Errorf("%w: RunID: %q must not contain '/' or spaces", ErrConfig, c.RunID))
	}
	return errors.Join(errs...)
}

// ValidRunID reports whether id can name a run: it starts every object's name, so it holds no '/'
// or space (the subscriber counts a run's documents by it, and could match none).
func ValidRunID(id string) bool { return !strings.ContainsAny(id, "/ ") }

type result struct {
	n         int
	key       string
	malformed bool
	err       error
}

// errGaveUp is the cause of the stop when the run gives up (Config.GiveUp).
var errGaveUp = errors.New("gave up")

// Run publishes until Count documents, Duration elapsed, GiveUp, or ctx is
// cancelled, whichever comes first, and returns the summary. Cancelling
// ctx is a normal stop: uploads in flight finish (bounded by PutTimeout) and
// the summary is complete. Failed uploads are counted, logged (spaced by
// failureLogEvery) and listed, not returned as an error; the error is for a
// bad Config only.
func Run(ctx context.Context, client Putter, cfg Config) (Summary, error) {
	if err := cfg.defaults(); err != nil {
		return Summary{}, err
	}
	gen := NewGenerator(cfg.Prefix, cfg.RunID, cfg.Seed, cfg.Malformed, cfg.Now)
	start := time.Now()
	sum := Summary{RunID: cfg.RunID, Bucket: cfg.Bucket, Seed: cfg.Seed, Started: start.UTC(), MalformedKeys: []string{}}

	stopCtx := ctx
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		stopCtx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	// Uploads outlive the stop signal so a Ctrl-C does not turn in-flight
	// puts into failures that actually landed.
	putCtx := context.WithoutCancel(ctx)

	// Giving up stops the producer as a Duration does; produce tells the two apart by the cause.
	stopCtx, giveUp := context.WithCancelCause(stopCtx)
	defer giveUp(nil)

	var (
		mu      sync.Mutex
		results []result
		st      Stats
		lastErr error
		streak  giveup.Streak // the failed uploads since the last success
		// nextLog is when a failure may be logged again; held counts the failures not logged since
		// the last line, heldDoc and heldErr the last of them.
		nextLog time.Time
		held    int
		heldDoc Document
		heldErr error
	)
	logFailure := func(d Document, err error, failures int) {
		cfg.Logger.Warn("put failed", "key", d.Key, "bucket", cfg.Bucket, "err", err, "failed_since_last_line", failures)
	}
	jobs := make(chan Document)
	var wg sync.WaitGroup
	for range cfg.Concurrency {
		wg.Go(func() {
			for d := range jobs {
				pctx, cancel := context.WithTimeout(putCtx, cfg.PutTimeout)
				_, err := client.PutObject(pctx, &s3.PutObjectInput{
					Bucket:      aws.String(cfg.Bucket),
					Key:         aws.String(d.Key),
					Body:        strings.NewReader(string(d.Body)),
					ContentType: aws.String("application/json"),
				})
				cancel()
				now := time.Now()
				logNow := 0 // the failures a line now stands for; 0: no line
				mu.Lock()
				results = append(results, result{n: d.N, key: d.Key, malformed: d.Malformed, err: err})
				if err == nil {
					streak.Succeeded()
				}
				switch {
				case err != nil:
					st.Failed++
					lastErr = err
					if streak.Failed(now, cfg.GiveUp) {
						giveUp(errGaveUp)
					}
					if now.Before(nextLog) {
						held, heldDoc, heldErr = held+1, d, err
					} else {
						logNow, held, nextLog = held+1, 0, now.Add(failureLogEvery)
					}
				case d.Malformed:
					st.Published++
					st.Malformed++
				default:
					st.Published++
				}
				mu.Unlock()
				if logNow > 0 {
					logFailure(d, err, logNow)
				}
			}
		})
	}

	progressDone := make(chan struct{})
	var progressWG sync.WaitGroup
	if cfg.Progress != nil {
		progressWG.Go(func() {
			t := time.NewTicker(cfg.ProgressEvery)
			defer t.Stop()
			var last Stats // at the last Progress call
			for {
				select {
				case <-progressDone:
					return
				case <-t.C:
					mu.Lock()
					s := st
					mu.Unlock()
					s.Elapsed = time.Since(start)
					s.Rate = float64(s.Published) / s.Elapsed.Seconds()
					if d := s.Elapsed - last.Elapsed; d > 0 {
						s.Recent = float64(s.Published-last.Published) / d.Seconds()
					}
					last = s
					cfg.Progress(s)
				}
			}
		})
	}

	sum.StoppedBy = produce(stopCtx, ctx, cfg, gen, start, jobs)
	close(jobs)
	wg.Wait()
	close(progressDone)
	progressWG.Wait()
	if held > 0 { // the failures since the last line, so that the log accounts for every one
		logFailure(heldDoc, heldErr, held)
	}
	sum.LastErr = lastErr

	end := time.Now()
	sum.Ended = end.UTC()
	sum.Seconds = end.Sub(start).Seconds()
	sort.Slice(results, func(i, j int) bool { return results[i].n < results[j].n })
	for _, r := range results {
		switch {
		case r.err != nil:
			sum.Failed++
			sum.FailedKeys = append(sum.FailedKeys, r.key)
		default:
			sum.Published++
			sum.Keys = append(sum.Keys, r.key)
			if r.malformed {
				sum.Malformed++
				sum.MalformedKeys = append(sum.MalformedKeys, r.key)
			}
		}
	}
	if sum.Seconds > 0 {
		sum.AchievedRate = float64(sum.Published) / sum.Seconds
	}
	return sum, nil
}

// produce paces documents onto jobs: document n is due at start + (n-1)/Rate,
// so a slow upload does not make the next ones late (they run concurrently)
// and the average rate holds. With a Duration, no document due at or after
// start + Duration is published, however late this goroutine runs: after a
// stall (a loaded machine) the loop can wake past the end before the stop
// context's timer has fired, and would otherwise publish the overdue ones. It
// returns why it stopped.
func produce(stopCtx, ctx context.Context, cfg Config, gen *Generator, start time.Time, jobs chan<- Document) string {
	stopped := func() string {
		switch {
		case ctx.Err() != nil:
			return "interrupt"
		case errors.Is(context.Cause(stopCtx), errGaveUp):
			return "give-up"
		}
		return "duration"
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for n := 1; cfg.Count == 0 || n <= cfg.Count; n++ {
		if cfg.Rate > 0 {
			due := start.Add(time.Duration(float64(n-1) / cfg.Rate * float64(time.Second)))
			if cfg.Duration > 0 && !due.Before(start.Add(cfg.Duration)) {
				return stopped()
			}
			if d := time.Until(due); d > 0 {
				timer.Reset(d)
				select {
				case <-stopCtx.Done():
					return stopped()
				case <-timer.C:
				}
			}
		}
		if stopCtx.Err() != nil {
			return stopped()
		}
		d := gen.Next()
		select {
		case <-stopCtx.Done():
			return stopped()
		case jobs <- d:
		}
	}
	return "count"
}
