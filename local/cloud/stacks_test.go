package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
)

// TestStacksSideBySide deploys the committed fixture twice, under two stack names, into one
// cloud, at the same time: every name is each stack's own, a document through each reaches only
// its own function, and redeploying or deleting one leaves the other working.
func TestStacksSideBySide(t *testing.T) {
	testenv.SkipIfShort(t, "starts the emulators")
	records := t.TempDir()
	cdkOut := fixture(t, records)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	c, err := Start(ctx, Options{Dir: dir, Log: testLog{t}})
	testenv.Require(t, "the local cloud's emulators (Node 22, Java 17, unshare -rn; run `make deps`)", err)
	defer c.Close()
	if err := c.ServeControl(func() { c.Close() }); err != nil {
		t.Fatal(err)
	}
	cfg := c.Config()
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })

	// WHEN the fixture is deployed as Blue and as Green, both at once.
	stacks := []string{"Blue", "Green"}
	outs := make([]Outputs, len(stacks))
	errs := make([]error, len(stacks))
	var wg sync.WaitGroup
	for i, name := range stacks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = c.DeployStack(ctx, StackDeploy{CdkOut: cdkOut, Artifact: "Fixture", StackName: name})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	blue, green := outs[0], outs[1]

	t.Run("every name is the stack's own", func(t *testing.T) {
		if got := c.Stacks(); !slices.Equal(got, []string{"Blue", "Green"}) {
			t.Errorf("Stacks() = %v", got)
		}
		for _, k := range []string{"BucketName", "JsonQueueUrl", "CsvQueueUrl", "ErrorQueueUrl", "TopicArn", "TableName",
			"FunctionName", "FaultParameterName", "DashboardName", "ExperimentStateMachineArn"} {
			if blue[k] == "" || blue[k] == green[k] {
				t.Errorf("%s: Blue %q, Green %q: want two names", k, blue[k], green[k])
			}
		}
		if blue["FaultParameterName"] != "/Blue/failureLambdaConfig" {
			t.Errorf("AWS::StackName resolved to %q, want Blue", blue["FaultParameterName"])
		}
		if !slices.Equal(c.Dashboards(), []string{blue["DashboardName"], green["DashboardName"]}) {
			t.Errorf("Dashboards() = %v", c.Dashboards())
		}
	})

	t.Run("outputs.json holds both stacks", func(t *testing.T) {
		file := readOutputs(t, dir)
		if file["Blue"]["BucketName"] != blue["BucketName"] || file["Green"]["BucketName"] != green["BucketName"] || len(file) != 2 {
			t.Errorf("outputs.json = %v", file)
		}
	})

	t.Run("a document through each reaches its own function", func(t *testing.T) {
		for _, o := range []Outputs{blue, green} {
			key := "input/" + o["FunctionName"] + ".json"
			if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(o["BucketName"]), Key: aws.String(key),
				Body: strings.NewReader(`{"symbol":"ABCD"}`)}); err != nil {
				t.Fatal(err)
			}
		}
		for _, o := range []Outputs{blue, green} {
			rec := waitRecord(t, records, "input/"+o["FunctionName"]+".json")
			if !strings.HasSuffix(rec.EventSourceARN, ":"+o["JsonQueueName"]) {
				t.Errorf("document of %s delivered from %s, want its own queue %s", o["FunctionName"], rec.EventSourceARN, o["JsonQueueName"])
			}
		}
	})

	t.Run("metrics are each stack's own", func(t *testing.T) {
		for _, o := range []Outputs{blue, green} {
			if n := invocations(t, ctx, c, o["FunctionName"]); n < 1 {
				t.Errorf("%s: %v invocations recorded", o["FunctionName"], n)
			}
		}
	})

	t.Run("each stack's dashboard shades its own stack's faults", func(t *testing.T) {
		// WHEN a fault is put into Green's parameter
		if _, err := ssm.NewFromConfig(cfg).PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(green["FaultParameterName"]),
			Value: aws.String(`{"isEnabled":true,"failureMode":"latency","rate":0.5}`), Type: ssmtypes.ParameterTypeString, Overwrite: aws.Bool(true)}); err != nil {
			t.Fatal(err)
		}
		// THEN Green's live dashboard shades it and Blue's does not
		faults := func(dashboard string) []map[string]any {
			api := strings.Replace(c.dashboards.URL(dashboard), "/dashboards/", "/api/dashboards/", 1)
			resp, err := http.Get(api)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var v struct {
				Faults []map[string]any `json:"faults"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != 200 {
				t.Fatalf("GET %s: %d %v", api, resp.StatusCode, err)
			}
			return v.Faults
		}
		if f := faults(green["DashboardName"]); len(f) != 1 {
			t.Errorf("Green's dashboard shades %v, want its one fault", f)
		}
		if f := faults(blue["DashboardName"]); len(f) != 0 {
			t.Errorf("Blue's dashboard shades %v, Green's fault", f)
		}
	})

	t.Run("a name another stack owns fails the deploy, as in CloudFormation", func(t *testing.T) {
		// GIVEN a template that names its JSON queue itself, deployed as Red.
		named := filepath.Join(t.TempDir(), "cdk.out")
		copyDir(t, cdkOut, named)
		tpath := filepath.Join(named, "Fixture.template.json")
		b, _ := os.ReadFile(tpath)
		b = bytes.Replace(b, []byte(`"VisibilityTimeout": {"Fn::If"`), []byte(`"QueueName": "lab-shared-queue", "VisibilityTimeout": {"Fn::If"`), 1)
		os.WriteFile(tpath, b, 0o644)
		red, err := c.DeployStack(ctx, StackDeploy{CdkOut: named, Artifact: "Fixture", StackName: "Red"})
		if err != nil {
			t.Fatal(err)
		}
		// WHEN the same template is deployed as Yellow, THEN it fails naming the queue and its owner.
		_, err = c.DeployStack(ctx, StackDeploy{CdkOut: named, Artifact: "Fixture", StackName: "Yellow"})
		if err == nil || !strings.Contains(err.Error(), "AWS::SQS::Queue lab-shared-queue already exists in stack Red") {
			t.Fatalf("second deploy: %v, want a collision", err)
		}
		// AND Red's queue survived Yellow's rollback, and Yellow is not deployed.
		if _, err := sqs.NewFromConfig(cfg).GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(red["JsonQueueUrl"])}); err != nil {
			t.Errorf("Red's queue after Yellow's failed deploy: %v", err)
		}
		if c.Stack("Yellow") != nil {
			t.Error("Yellow recorded as deployed")
		}
		if err := c.Delete(ctx, "Red"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("redeploying one stack leaves the other working", func(t *testing.T) {
		// WHEN Blue is deployed again (as `chaoslab local deploy -stack Blue`) while Green runs.
		again, err := c.DeployStack(ctx, StackDeploy{CdkOut: cdkOut, Artifact: "Fixture", StackName: "Blue"})
		if err != nil {
			t.Fatal(err)
		}
		blue = again
		// THEN both are deployed, outputs.json holds both, and Green's resources are untouched.
		if got := c.Stacks(); !slices.Equal(got, []string{"Blue", "Green"}) {
			t.Errorf("Stacks() after the redeploy = %v", got)
		}
		if file := readOutputs(t, dir); len(file) != 2 || file["Blue"]["BucketName"] != blue["BucketName"] || file["Green"]["BucketName"] != green["BucketName"] {
			t.Errorf("outputs.json = %v", file)
		}
		if _, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(green["BucketName"])}); err != nil {
			t.Errorf("Green's bucket after Blue's redeploy: %v", err)
		}
		// AND a document through each still reaches its own function.
		for _, o := range []Outputs{blue, green} {
			key := "input/after-redeploy-" + o["FunctionName"] + ".json"
			if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(o["BucketName"]), Key: aws.String(key),
				Body: strings.NewReader(`{"symbol":"EFGH"}`)}); err != nil {
				t.Fatal(err)
			}
			if rec := waitRecord(t, records, key); !strings.HasSuffix(rec.EventSourceARN, ":"+o["JsonQueueName"]) {
				t.Errorf("document of %s delivered from %s, want its own queue %s", o["FunctionName"], rec.EventSourceARN, o["JsonQueueName"])
			}
		}
	})

	t.Run("deleting one stack leaves the other working", func(t *testing.T) {
		// GIVEN Blue's bucket holds more objects than one DeleteObjects call takes, some of them with
		// names XML and URLs escape, and, listed last, one the local S3 cannot take in a DeleteObjects
		// body (its text "&lt;" it would read as "<"): that page is deleted a key at a time.
		fillBucket(ctx, t, s3c, blue["BucketName"], 1050, "filler/O'Brien & <co> %d.txt", "filler/plain-%d", "filler/100%% sure-%d")
		fillBucket(ctx, t, s3c, blue["BucketName"], 1, "filler/zz &lt;odd&gt; %d.txt")
		// WHEN Blue is deleted through the control API (as `chaoslab local delete -stack Blue`).
		if err := RemoteDelete(ctx, dir, "Blue"); err != nil {
			t.Fatal(err)
		}
		// THEN Blue's resources are gone and outputs.json holds only Green.
		if _, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(blue["BucketName"])}); err == nil {
			t.Error("Blue's bucket still exists")
		}
		if c.Stack("Blue") != nil {
			t.Error("Blue still deployed")
		}
		if file := readOutputs(t, dir); len(file) != 1 || file["Green"]["BucketName"] != green["BucketName"] {
			t.Errorf("outputs.json = %v, want Green only", file)
		}
		// AND a document through Green still reaches Green's function.
		key := "input/after-delete.json"
		if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(green["BucketName"]), Key: aws.String(key),
			Body: strings.NewReader(`{"symbol":"WXYZ"}`)}); err != nil {
			t.Fatal(err)
		}
		if rec := waitRecord(t, records, key); !strings.HasSuffix(rec.EventSourceARN, ":"+green["JsonQueueName"]) {
			t.Errorf("delivered from %s, want Green's queue", rec.EventSourceARN)
		}
		// AND deleting Blue again names the stacks there are.
		if err := c.Delete(ctx, "Blue"); !errors.Is(err, ErrNoStack) || !strings.Contains(err.Error(), "deployed: Green") {
			t.Errorf("second delete: %v", err)
		}
	})
}

// fillBucket puts n small objects into bucket, named by the formats in turn (%d the object's number),
// sixteen uploads at a time.
func fillBucket(ctx context.Context, t *testing.T, c *s3.Client, bucket string, n int, formats ...string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	work := make(chan int)
	for range 16 {
		wg.Go(func() {
			for i := range work {
				key := fmt.Sprintf(formats[i%len(formats)], i)
				if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("x")}); err != nil {
					errs <- fmt.Errorf("put %s: %w", key, err)
				}
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
}

func readOutputs(t *testing.T, dir string) map[string]map[string]string {
	t.Helper()
	var file map[string]map[string]string
	b, err := os.ReadFile(filepath.Join(dir, "outputs.json"))
	if err != nil || json.Unmarshal(b, &file) != nil {
		t.Fatalf("outputs.json: %v %s", err, b)
	}
	return file
}

func waitRecord(t *testing.T, records, key string) (rec struct{ EventSourceARN string }) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if r, ok := findRecord(t, records, key); ok {
			rec.EventSourceARN = r.EventSourceARN
			return rec
		}
	}
	t.Fatalf("the function never received %s", key)
	return rec
}

func invocations(t *testing.T, ctx context.Context, c *Cloud, fn string) float64 {
	t.Helper()
	out, err := cloudwatch.NewFromConfig(c.Config()).GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String("AWS/Lambda"), MetricName: aws.String("Invocations"),
		Dimensions: []cwtypes.Dimension{{Name: aws.String("FunctionName"), Value: aws.String(fn)}},
		StartTime:  aws.Time(time.Now().Add(-5 * time.Minute)), EndTime: aws.Time(time.Now().Add(time.Minute)),
		Period: aws.Int32(600), Statistics: []cwtypes.Statistic{cwtypes.StatisticSum},
	})
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, dp := range out.Datapoints {
		n += aws.ToFloat64(dp.Sum)
	}
	return n
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, _ := d.Info()
		return os.WriteFile(filepath.Join(dst, rel), b, info.Mode())
	})
	if err != nil {
		t.Fatal(err)
	}
}
