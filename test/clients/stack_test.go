package clients

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/chaoslab/serverless-chaos-lab/internal/lambdabuild"
	"github.com/chaoslab/serverless-chaos-lab/internal/poll"
	"github.com/chaoslab/serverless-chaos-lab/local/cloud"
)

// fixtureDir is the cloud assembly local/template tests with and local/cloud deploys: the lab's
// resources under their logical ids, with one function whose asset the test builds.
const fixtureDir = "../../local/template/testdata/cdk.out"

// fixtureStack is its stack name.
const fixtureStack = "Fixture"

// stack is one deployed copy of the fixture in a running local cloud.
type stack struct {
	cloud *cloud.Cloud
	out   cloud.Outputs
	s3    *s3.Client
	sqs   *sqs.Client
}

type testLog struct{ t *testing.T }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func hostArch() string {
	if runtime.GOARCH == "arm64" {
		return "arm64"
	}
	return "x86_64"
}

// prepareFixture copies the fixture to a temporary directory, sets its Scenario parameter's
// default to scenario and its function's architecture to this host's, and builds the ETL
// function (functions/etl) into the function's asset.
func prepareFixture(ctx context.Context, t *testing.T, scenario string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "cdk.out")
	if err := os.CopyFS(dst, os.DirFS(fixtureDir)); err != nil {
		t.Fatalf("copy fixture: %v", err)
	}
	tpath := filepath.Join(dst, fixtureStack+".template.json")
	b, err := os.ReadFile(tpath)
	if err != nil {
		t.Fatal(err)
	}
	var tmpl map[string]any
	if err := json.Unmarshal(b, &tmpl); err != nil {
		t.Fatalf("%s: %v", tpath, err)
	}
	param, _ := tmpl["Parameters"].(map[string]any)["Scenario"].(map[string]any)
	if param == nil {
		t.Fatalf("%s: no Scenario parameter", tpath)
	}
	param["Default"] = scenario
	asset := ""
	for id, r := range tmpl["Resources"].(map[string]any) {
		res := r.(map[string]any)
		meta, _ := res["Metadata"].(map[string]any)
		if res["Type"] != "AWS::Lambda::Function" || meta == nil || meta["aws:asset:path"] == nil {
			continue
		}
		if asset != "" {
			t.Fatalf("%s: more than one function with an asset (%s)", tpath, id)
		}
		asset = meta["aws:asset:path"].(string)
		res["Properties"].(map[string]any)["Architectures"] = []string{hostArch()}
	}
	if asset == "" {
		t.Fatalf("%s: no function with an asset", tpath)
	}
	if b, err = json.MarshalIndent(tmpl, "", " "); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tpath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	bctx, cancel := context.WithTimeout(ctx, 5*time.Minute) // a cold build of the SDK takes ~70 s here
	defer cancel()
	build, err := lambdabuild.Compile(bctx, lambdabuild.ETL, runtime.GOARCH, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(build.Dir, "bootstrap"), filepath.Join(dst, asset, "bootstrap")); err != nil {
		t.Fatal(err)
	}
	return dst
}

// startCloud starts a local cloud as `chaoslab local up` does; it is stopped at cleanup.
func startCloud(ctx context.Context, t *testing.T) *cloud.Cloud {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	// A short run directory: DynamoDB Local's Unix socket lives there (108-byte limit).
	dir, err := os.MkdirTemp("", "clients-")
	if err != nil {
		t.Fatal(err)
	}
	c, err := cloud.Start(sctx, cloud.Options{Dir: dir, Log: testLog{t}})
	if err != nil {
		os.RemoveAll(dir)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("close the local cloud: %v", err)
		}
		if t.Failed() {
			t.Logf("local cloud run directory kept: %s (function logs under lambda/)", dir)
			return
		}
		os.RemoveAll(dir)
	})
	return c
}

// deployStack deploys the prepared fixture (prepareFixture) as a stack of its own named name, as
// `aws cloudformation deploy --stack-name` deploys one template under any name: its bucket, queues,
// topic, table and function are its own.
func deployStack(ctx context.Context, t *testing.T, c *cloud.Cloud, cdkOut, name, scenario string) *stack {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	out, err := c.DeployStack(sctx, cloud.StackDeploy{CdkOut: cdkOut, StackName: name, Artifact: fixtureStack, Progress: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	if out["Scenario"] != scenario {
		t.Fatalf("deployed scenario %q, want %q", out["Scenario"], scenario)
	}
	cfg := c.Config()
	return &stack{
		cloud: c,
		out:   out,
		s3:    s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		sqs:   sqs.NewFromConfig(cfg),
	}
}

// waitObject waits (bounded) until key exists in the stack's bucket.
func (s *stack) waitObject(ctx context.Context, t *testing.T, key string, within time.Duration) {
	t.Helper()
	var err error
	if poll.Until(within, 200*time.Millisecond, func() bool {
		_, err = s.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.out["BucketName"]), Key: aws.String(key)})
		return err == nil || ctx.Err() != nil
	}) && err == nil {
		return
	}
	logs, _ := os.ReadFile(s.cloud.Lambda().LogPath(s.out["FunctionName"]))
	if len(logs) > 4000 {
		logs = logs[len(logs)-4000:]
	}
	t.Fatalf("s3://%s/%s not there after %s: %v\nfunction log (end):\n%s", s.out["BucketName"], key, within, err, logs)
}

// snsDelivered waits (bounded) for message in queueURL, the topic's subscriber (raw message
// delivery, as the lab subscribes its CSV queue), deletes what it reads there, and returns the
// message's attributes (raw delivery carries the SNS message attributes over as SQS ones).
func (s *stack) snsDelivered(ctx context.Context, t *testing.T, queueURL, message string, within time.Duration) map[string]string {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		out, err := s.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10,
			WaitTimeSeconds: 1, MessageAttributeNames: []string{"All"}})
		if err != nil {
			t.Fatalf("receive from %s: %v", queueURL, err)
		}
		var found map[string]string
		for _, m := range out.Messages {
			if aws.ToString(m.Body) == message {
				found = map[string]string{}
				for k, v := range m.MessageAttributes {
					found[k] = aws.ToString(v.StringValue)
				}
			}
			if _, err := s.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatalf("delete from %s: %v", queueURL, err)
			}
		}
		if found != nil {
			return found
		}
	}
	t.Fatalf("message %q not delivered to %s within %s", message, queueURL, within)
	return nil
}

// document is an input document in the publisher's shape (functions/etl ParseDocument).
func document(symbol, objectName, author string) []byte {
	b, _ := json.Marshal(map[string]any{
		"symbol": symbol, "messageId": 1, "value": 10, "objectName": objectName,
		"submissionDate": "30-Nov-2026 12:00:00", "author": author, "version": 1.1,
	})
	return b
}

// files writes the three uploads of one client: a document, an empty file and a 12 MiB file.
func files(t *testing.T, doc []byte) (docPath, emptyPath, bigPath string) {
	t.Helper()
	dir := t.TempDir()
	docPath, emptyPath, bigPath = filepath.Join(dir, "doc.json"), filepath.Join(dir, "empty.json"), filepath.Join(dir, "big.json")
	big := make([]byte, 12<<20)
	for i := range big {
		big[i] = 'x'
	}
	for p, b := range map[string][]byte{docPath: doc, emptyPath: nil, bigPath: big} {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return docPath, emptyPath, bigPath
}

// csvOf is the CSV the ETL function writes for a document (functions/etl Document.CSV).
func csvOf(objectName, author string) string {
	return "objectName,submissionDate,author,formatVersion\n" + objectName + ",30-Nov-2026 12:00:00," + author + ",1.1\n"
}

// checkRows asserts the resilient function's rows for a document of symbol: the per-symbol summary
// ("latest") and at least one row of the document itself.
func checkRows(t *testing.T, items []map[string]map[string]any, symbol string) {
	t.Helper()
	var types []string
	latest := false
	for _, it := range items {
		if it["symbol"]["S"] == symbol {
			et, _ := it["entryType"]["S"].(string)
			types = append(types, et)
			latest = latest || et == "latest"
		}
	}
	if !latest || len(types) < 2 {
		t.Errorf("scan: rows of %s have entry types %v, want the summary (latest) and the document's row (of %d items)", symbol, types, len(items))
	}
}
