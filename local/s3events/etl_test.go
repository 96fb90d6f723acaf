package s3events_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/chaoslab/serverless-chaos-lab/internal/lambdabuild"
	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
	"github.com/chaoslab/serverless-chaos-lab/internal/testsvc"
	"github.com/chaoslab/serverless-chaos-lab/local/emulators"
	"github.com/chaoslab/serverless-chaos-lab/local/esm"
	"github.com/chaoslab/serverless-chaos-lab/local/lambda"
)

// GIVEN the real ETL function (functions/etl built as a bootstrap, SCENARIO=resilient) run by the
// local cloud's Lambda runtime behind its SQS event source mapping, with DynamoDB Local, WHEN the
// S3 event notification the local cloud made for one PUT is delivered to the work queue three times
// as three SQS messages (S3 delivers at least once), THEN the document is counted once: one
// per-message row, updateCount 1, one SymbolWriteCount line; the two duplicates reach the function
// and are recognised; nothing goes to the error queue.
func TestETLCountsDuplicateNotificationOnce(t *testing.T) {
	c := startCloud(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	ddbProc, err := emulators.StartDynamoDB(ctx, emulators.Options{RunDir: t.TempDir()})
	if errors.Is(err, emulators.ErrUnavailable) {
		testenv.Require(t, "DynamoDB Local (Java 17 and npm packages: make deps)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ddbProc.Stop() })
	c.gw.Proxy("dynamodb", ddbProc.Endpoint(), ddbProc.Dial)
	ddb := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(c.endpoint), Credentials: creds})

	build, err := lambdabuild.Compile(ctx, lambdabuild.ETL, runtime.GOARCH, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	code := build.Dir

	const table = "chaos-data"
	if err := testsvc.CreateETLTable(ctx, ddb, table); err != nil {
		t.Fatalf("create table: %v", err)
	}
	errorURL, _ := c.queue(t, "etl-errors")
	tapURL, tapArn := c.queue(t, "etl-tap") // where S3 sends the event, so the test can deliver it as often as S3 might
	workURL, workArn := c.queue(t, "etl-work")

	var writes atomic.Int32 // SymbolWriteCount EMF lines
	lambdaDir := t.TempDir()
	fns, err := lambda.New(lambda.Options{Dir: lambdaDir, Endpoint: c.endpoint, EMF: func(_ string, line []byte) {
		if bytes.Contains(line, []byte(`"SymbolWriteCount":1`)) {
			writes.Add(1)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fns.Close() })
	if _, err := fns.CreateFunction(lambda.Function{Name: "etl", Runtime: "provided.al2023", Handler: "bootstrap", CodeDir: code,
		Timeout: 30 * time.Second, Environment: map[string]string{
			"SCENARIO": "resilient", "CHAOS_DATA_TABLE": table, "ERROR_QUEUE_URL": errorURL, "LOG_LEVEL": "info",
		}}); err != nil {
		t.Fatal(err)
	}
	mappings, err := esm.New(ctx, esm.Options{SQS: c.sqs, Lambda: fns, WaitTime: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mappings.Close() })
	if _, err := mappings.Create(esm.Mapping{QueueURL: workURL, QueueARN: workArn, FunctionName: "etl",
		BatchSize: 10, ReportBatchItemFailures: true}); err != nil {
		t.Fatal(err)
	}

	const bucket = "chaos-bucket"
	if _, err := c.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	rule := func(name, v string) s3types.FilterRule {
		return s3types.FilterRule{Name: s3types.FilterRuleName(name), Value: aws.String(v)}
	}
	if _, err := c.s3.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: aws.String(bucket),
		NotificationConfiguration: &s3types.NotificationConfiguration{
			QueueConfigurations: []s3types.QueueConfiguration{{Id: aws.String("json"), QueueArn: aws.String(tapArn), Events: []s3types.Event{"s3:ObjectCreated:*"},
				Filter: &s3types.NotificationConfigurationFilter{Key: &s3types.S3KeyFilter{FilterRules: []s3types.FilterRule{rule("prefix", "input/"), rule("suffix", ".json")}}}}},
		}}); err != nil {
		t.Fatal(err)
	}
	c.receive(t, tapURL, 2) // s3:TestEvent

	doc := `{"symbol":"ABCD","messageId":7,"value":10,"objectName":"data_object_msg-7.json","submissionDate":"23-Nov-2026 13:45:12","author":"the_publisher.py","version":1.1}`
	if _, err := c.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("input/data_object_msg-7.json"), Body: strings.NewReader(doc)}); err != nil {
		t.Fatal(err)
	}
	body := c.receive(t, tapURL, 5)
	if !strings.Contains(body, `"sequencer"`) || !strings.Contains(body, `"eTag"`) {
		t.Fatalf("the local cloud's S3 event names no sequencer or eTag: %s", body)
	}

	send := func() {
		t.Helper()
		if _, err := c.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(workURL), MessageBody: aws.String(body)}); err != nil {
			t.Fatal(err)
		}
	}
	send()
	waitDrained(t, c, workURL)
	send() // two duplicates at once: one batch or two pollers
	send()
	waitDrained(t, c, workURL)

	rows, updateCount := scanTable(t, ddb, table)
	if rows != 1 || updateCount != 1 || writes.Load() != 1 {
		t.Fatalf("per-message rows %d, updateCount %d, SymbolWriteCount %d; want 1, 1, 1", rows, updateCount, writes.Load())
	}
	if _, err := c.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("output/data_object_msg-7.json.csv")}); err != nil {
		t.Fatalf("CSV: %v", err)
	}
	logs, err := os.ReadFile(filepath.Join(lambdaDir, "logs", "etl.log"))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(logs, []byte("duplicate notification")); n != 2 {
		t.Errorf("%d duplicates recognised in the function log, want 2", n)
	}
	if body := c.receive(t, errorURL, 0); body != "" {
		t.Fatalf("error queue holds %s, want nothing", body)
	}
}

// waitDrained waits until the queue holds no message, visible or in flight.
func waitDrained(t *testing.T, c *cloud, url string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		a, err := c.sqs.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
				sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
		if err != nil {
			t.Fatal(err)
		}
		v, _ := strconv.Atoi(a.Attributes["ApproximateNumberOfMessages"])
		nv, _ := strconv.Atoi(a.Attributes["ApproximateNumberOfMessagesNotVisible"])
		if v+nv == 0 {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("queue %s not drained after 60 s", url)
}

// scanTable counts the per-message rows and sums the summary rows' updateCount.
func scanTable(t *testing.T, ddb *dynamodb.Client, table string) (rows, updateCount int) {
	t.Helper()
	out, err := ddb.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range out.Items {
		if it["entryType"].(*ddbtypes.AttributeValueMemberS).Value != "latest" {
			rows++
			continue
		}
		n, err := strconv.Atoi(it["updateCount"].(*ddbtypes.AttributeValueMemberN).Value)
		if err != nil {
			t.Fatal(fmt.Errorf("updateCount: %w", err))
		}
		updateCount += n
	}
	return rows, updateCount
}
