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
	StoppedBy     string    `json:"stopped_by"` // count, duration or interrupt
	Started       time.Time `json:"started"`
	Ended         time.Time `json:"ended"`
	Seconds       float64   `json:"seconds"`
	AchievedRate  float64   `json:"achieved_rate"`
	Keys          []string  `json:"keys,omitempty"` // every published key, by messageId
	MalformedKeys []string  `json:"malformed_keys"`
	FailedKeys    []string  `json:"failed_keys,omitempty"`
}

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
	if strings.ContainsAny(c.RunID, "/ ") {
		errs = append(errs, fmt.Errorf("%w: RunID: %q must not contain '/' or spaces", ErrConfig, c.RunID))
	}
	return errors.Join(errs...)
}

type result struct {
	n         int
	key       string
	malformed bool
	err       error
}

// Run publishes until Count documents, Duration elapsed, or ctx is
// cancelled, whichever comes first, and returns the summary. Cancelling
// ctx is a normal stop: uploads in flight finish (bounded by PutTimeout) and
// the summary is complete. Failed uploads are counted, logged and listed,
// not returned as an error; the error is for a bad Config only.
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

	var (
		mu      sync.Mutex
		results []result
		st      Stats
	)
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
				if err != nil {
					cfg.Logger.Warn("put failed", "key", d.Key, "bucket", cfg.Bucket, "err", err)
				}
				mu.Lock()
				results = append(results, result{n: d.N, key: d.Key, malformed: d.Malformed, err: err})
				switch {
				case err != nil:
					st.Failed++
				case d.Malformed:
					st.Published++
					st.Malformed++
				default:
					st.Published++
				}
				mu.Unlock()
			}
		})
	}

	progressDone := make(chan struct{})
	var progressWG sync.WaitGroup
	if cfg.Progress != nil {
		progressWG.Go(func() {
			t := time.NewTicker(cfg.ProgressEvery)
			defer t.Stop()
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
		if ctx.Err() != nil {
			return "interrupt"
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
