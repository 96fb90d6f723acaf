package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/publish"
	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

func newMain(t *testing.T) (*Main, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	c := s3.New(s3.Options{BaseEndpoint: aws.String(srv.URL), UsePathStyle: true, Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", "")})
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("lab-bucket")}); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	return &Main{Stdout: &out, Stderr: &errb,
		NewClient: func(context.Context) (publish.Putter, error) { return c, nil },
		Now:       func() time.Time { return time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC) }}, &out, &errb
}

func TestHelpMentionsEveryFlag(t *testing.T) {
	m, _, errb := newMain(t)
	err := m.Run(context.Background(), []string{"-h"})
	if cli.Code(err, 1) != 0 {
		t.Fatalf("-h: err %v", err)
	}
	for _, f := range []string{"outputs", "stack", "bucket", "rate", "count", "duration", "malformed", "seed", "run-id", "concurrency", "progress", "manifest", "give-up"} {
		if !strings.Contains(errb.String(), "-"+f) {
			t.Errorf("-h does not mention -%s", f)
		}
	}
}

func TestRunPrintsSummaryAndManifest(t *testing.T) {
	m, out, errb := newMain(t)
	dir := t.TempDir()
	outputs := filepath.Join(dir, "outputs.json")
	os.WriteFile(outputs, []byte(`{"ChaosLab":{"BucketName":"lab-bucket"}}`), 0o600)
	manifest := filepath.Join(dir, "manifest.json")
	err := m.Run(context.Background(), []string{"-outputs", outputs, "-count", "50", "-rate", "0",
		"-malformed", "0.2", "-seed", "3", "-run-id", "t1", "-manifest", manifest, "-progress", "1ms"})
	if err != nil {
		t.Fatalf("run: %v\nstderr: %s", err, errb)
	}
	var sum publish.Summary
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		t.Fatalf("stdout is not a JSON summary: %v\n%s", err, out)
	}
	if sum.Published != 50 || sum.RunID != "t1" || sum.Seed != 3 || sum.Malformed == 0 || len(sum.MalformedKeys) != sum.Malformed || sum.Keys != nil {
		t.Fatalf("summary %+v", sum)
	}
	var full publish.Summary
	b, err := os.ReadFile(manifest)
	if err != nil || json.Unmarshal(b, &full) != nil || len(full.Keys) != 50 || full.Keys[0] != "input/t1-data_object_msg-1.json" {
		t.Fatalf("manifest: %v %s", err, b)
	}
}

// twoStacks is an outputs file of two stacks, as a local cloud holding both scenarios writes it; only
// the second stack's bucket exists in the test S3.
func twoStacks(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "outputs.json")
	os.WriteFile(p, []byte(`{"ChaosLab":{"BucketName":"missing-bucket"},"ChaosLabResilient":{"BucketName":"lab-bucket"}}`), 0o600)
	return p
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
		msg  string
	}{
		{name: "help", args: []string{"-h"}, want: 0},
		{name: "unknown flag", args: []string{"-nope"}, want: 2, msg: "-nope"},
		{name: "bad share", args: []string{"-bucket", "lab-bucket", "-malformed", "2"}, want: 2, msg: "-malformed"},
		// Refused, each naming its flag, where they were taken silently (NaN published no malformed
		// document; -concurrency 0 or less became 8; -progress 0 or less 10 s).
		{name: "share NaN", args: []string{"-bucket", "lab-bucket", "-malformed", "NaN"}, want: 2, msg: "-malformed NaN is not a share"},
		{name: "no upload in flight", args: []string{"-bucket", "lab-bucket", "-concurrency", "0"}, want: 2, msg: "-concurrency 0"},
		{name: "a rate whose spacing overflows", args: []string{"-bucket", "lab-bucket", "-rate", "1e-20", "-count", "2"}, want: 2, msg: "-rate 1e-20: want documents per second, at least one a day"},
		{name: "a hundred million in flight", args: []string{"-bucket", "lab-bucket", "-concurrency", "100000000"}, want: 2, msg: "-concurrency 100000000: want 1 to 1024"},
		{name: "negative progress", args: []string{"-bucket", "lab-bucket", "-progress", "-1s"}, want: 2, msg: "-progress -1s"},
		{name: "negative give-up", args: []string{"-bucket", "lab-bucket", "-give-up", "-1s"}, want: 2, msg: "-give-up -1s must not be negative"},
		// Named by its flag, before the "publishing" line (the error named publish.Config's field).
		{name: "a run id with a space", args: []string{"-bucket", "lab-bucket", "-run-id", "bad id"}, want: 2, msg: `-run-id "bad id": must not contain '/' or spaces`},
		{name: "negative count named alone", args: []string{"-bucket", "lab-bucket", "-count", "-3"}, want: 2, msg: "-count -3 must not be negative"},
		{name: "no bucket anywhere", args: []string{"-outputs", "/nonexistent/outputs.json"}, want: 2, msg: "/nonexistent/outputs.json"},
		{name: "several stacks, none picked", args: []string{"-outputs", twoStacks(t)}, want: 2, msg: "several stacks (ChaosLab, ChaosLabResilient): pick one with -stack"},
		{name: "-stack picks one", args: []string{"-outputs", twoStacks(t), "-stack", "ChaosLabResilient", "-count", "2", "-rate", "0"}, want: 0},
		{name: "uploads fail", args: []string{"-bucket", "missing-bucket", "-count", "2", "-rate", "0"}, want: 1, msg: "2 of 2 uploads failed"},
		{name: "ok", args: []string{"-bucket", "lab-bucket", "-count", "2", "-rate", "0"}, want: 0},
		// A manifest that could not be written after the uploads would lose their keys: refused first.
		{name: "-manifest a directory", args: []string{"-bucket", "lab-bucket", "-count", "2", "-rate", "0", "-manifest", t.TempDir()}, want: 2, msg: "-manifest " + os.TempDir()},
		{name: "-manifest of an earlier run", args: []string{"-bucket", "lab-bucket", "-count", "2", "-rate", "0", "-manifest", existing(t)}, want: 2, msg: "exists (an earlier run's keys): give another file, or pass -force"},
		{name: "-manifest of an earlier run, -force", args: []string{"-bucket", "lab-bucket", "-count", "2", "-rate", "0", "-manifest", existing(t), "-force"}, want: 0},
		{name: "-manifest in no folder", args: []string{"-bucket", "lab-bucket", "-count", "2", "-rate", "0", "-manifest", "/nonexistent/m.json"}, want: 2, msg: "-manifest /nonexistent/m.json: directory /nonexistent does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, out, errb := newMain(t)
			err := m.Run(context.Background(), tt.args)
			if got := cli.Report(errb, err, 1); got != tt.want {
				t.Fatalf("exit %d, want %d (err %v)", got, tt.want, err)
			}
			if tt.want == 2 && out.Len() > 0 {
				t.Errorf("refused, yet published: %s", out)
			}
			if tt.msg != "" && !strings.Contains(errb.String(), tt.msg) {
				t.Errorf("stderr does not mention %q:\n%s", tt.msg, errb)
			}
			// A wrong command line is two lines: the error, then the synopsis and where the help is.
			var ue *cli.UsageError
			if errors.As(err, &ue) && (strings.Count(errb.String(), "\n") != 2 || !strings.HasSuffix(errb.String(), "\nusage: publisher [flags] (publisher -h for help)\n")) {
				t.Errorf("stderr:\n%s\nwant the error, then the synopsis", errb)
			}
		})
	}
}

// existing is a file there already: an earlier run's manifest.
func existing(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "earlier.manifest.json")
	if err := os.WriteFile(p, []byte(`{"run_id":"earlier"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Two publishers started in the same millisecond (a script starting one per
// stack) must not write the same object names.
func TestDefaultRunIDsDoNotCollide(t *testing.T) {
	ids := map[string]bool{}
	for range 2 {
		m, out, errb := newMain(t)
		err := m.Run(context.Background(), []string{"-bucket", "lab-bucket", "-count", "1", "-rate", "0", "-malformed", "0"})
		if err != nil {
			t.Fatalf("run: %v\nstderr: %s", err, errb)
		}
		var sum publish.Summary
		if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
			t.Fatalf("stdout is not a JSON summary: %v\n%s", err, out)
		}
		if !strings.HasPrefix(sum.RunID, "run-20261123T130000.000-") {
			t.Errorf("run id %q does not start with the run's UTC start to the millisecond", sum.RunID)
		}
		ids[sum.RunID] = true
	}
	if len(ids) != 2 {
		t.Fatalf("two publishers started at the same instant got one run id: %v", ids)
	}
}

// With no region anywhere, every upload failed with the endpoint resolver's "Invalid region"; the
// publisher now refuses before the first, saying how the local cloud's environment is set.
func TestRefusesWithoutARegion(t *testing.T) {
	testenv.AWSEnv(t, nil)
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb}
	err := m.Run(context.Background(), []string{"-bucket", "lab-bucket", "-count", "3", "-rate", "0"})
	if code := cli.Report(&errb, err, 1); code != 2 {
		t.Fatalf("exit %d, want 2 (err %v)\n%s", code, err, errb.String())
	}
	for _, want := range []string{"publisher: no AWS region configured", `eval "$(go run ./drivers/chaoslab local env)"`} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr does not say %q:\n%s", want, errb.String())
		}
	}
	if out.Len() > 0 || strings.Contains(errb.String(), "put failed") {
		t.Errorf("refused, yet uploaded:\n%s\n%s", out.String(), errb.String())
	}
}

// A publisher whose cloud is gone (its endpoint a 127.0.0.1 port nothing listens on) gives up after
// -give-up: exit 1, its summary saying so, the connection's refusal and what to do said once, and
// not one log line per failed upload. It ran on for 12 minutes until Ctrl-C.
func TestGivesUpWhenTheCloudIsGone(t *testing.T) {
	endpoint := "http://" + testenv.ClosedAddress(t)
	// One attempt per upload: the SDK's retries would only make the test slower.
	testenv.AWSEnv(t, map[string]string{"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "AKIDLOCAL",
		"AWS_SECRET_ACCESS_KEY": "local", "AWS_MAX_ATTEMPTS": "1"})
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second) // a publisher that never gives up fails, not hangs
	defer cancel()
	err := m.Run(ctx, []string{"-bucket", "lab-bucket", "-rate", "100", "-give-up", "300ms"})
	if code := cli.Report(&errb, err, 1); code != 1 {
		t.Fatalf("exit %d, want 1 (err %v)\n%s", code, err, errb.String())
	}
	var sum publish.Summary
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		t.Fatalf("stdout is not a JSON summary: %v\n%s", err, out.String())
	}
	if sum.StoppedBy != "give-up" || sum.Published != 0 || sum.Failed < 10 || sum.Seconds > 10 {
		t.Fatalf("summary stopped_by=%s published=%d failed=%d after %.1fs; want give-up, 0, some (100/s for 300 ms), about 0.3 s",
			sum.StoppedBy, sum.Published, sum.Failed, sum.Seconds)
	}
	stderr := errb.String()
	for _, want := range []string{
		"error: publisher: gave up: no upload succeeded for -give-up 300ms",
		"dial tcp " + strings.TrimPrefix(endpoint, "http://") + ": connect: connection refused",
		"the local cloud may not be running. Start it with `go run ./drivers/chaoslab local up`",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
	if n := strings.Count(stderr, "local cloud may not be running"); n != 1 {
		t.Errorf("the hint is said %d times, want once", n)
	}
	if n := strings.Count(stderr, `"msg":"put failed"`); n > 2 || n == 0 {
		t.Errorf("%d uploads failed, logged in %d lines; want 1 or 2 (a line every 5 s)", sum.Failed, n)
	}
}
