package clients

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/awsclients"
	"github.com/chaoslab/serverless-chaos-lab/internal/poll"
	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
	"github.com/chaoslab/serverless-chaos-lab/local/cloud"
)

// callTimeout bounds one client process.
const callTimeout = 2 * time.Minute

// proc is one client executable in a clean environment.
type proc struct {
	path string                // absolute
	env  []string              // the whole environment
	dir  string                // working directory
	cli  *awsclients.CLIRunner // a CLI's: how run runs its commands
}

// cleanEnv is a client's whole environment: a fresh HOME with empty AWS config and credentials
// files, the local cloud's credentials, region and endpoint (cloud.ClientEnv), and nothing else of
// the user's.
func cleanEnv(t *testing.T, c *cloud.Cloud) (env []string, home string) {
	t.Helper()
	home = t.TempDir()
	config, creds := filepath.Join(home, ".aws", "config"), filepath.Join(home, ".aws", "credentials")
	if err := os.MkdirAll(filepath.Dir(config), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{config, creds} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env = []string{
		"HOME=" + home,
		"AWS_CONFIG_FILE=" + config,
		"AWS_SHARED_CREDENTIALS_FILE=" + creds,
		"PATH=/usr/bin:/bin",
		"LANG=C.UTF-8",
		"TMPDIR=" + home,
		"AWS_PAGER=",                     // the CLI v2 pipes output through less otherwise
		"AWS_EC2_METADATA_DISABLED=true", // no IMDS probe
		"AWS_DEFAULT_OUTPUT=json",
		"PYTHONDONTWRITEBYTECODE=1",
		"PYTHONNOUSERSITE=1",
	}
	return append(env, c.Env()...), home
}

// run runs a CLI's command, bounded by callTimeout, and returns its stdout.
func (p *proc) run(ctx context.Context, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	stdout, stderr, err := p.cli.Run(ctx, args...)
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (timed out after %s)", err, callTimeout)
	}
	if err != nil {
		return stdout, fmt.Errorf("%w\nstderr: %s", err, tail(string(stderr), 3000))
	}
	return stdout, nil
}

// runJSON runs and decodes stdout as JSON into out (empty stdout leaves out untouched).
func (p *proc) runJSON(ctx context.Context, out any, args ...string) error {
	b, err := p.run(ctx, args...)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: output is not JSON: %v\n%s", filepath.Base(p.path), strings.Join(args, " "), err, tail(string(b), 2000))
	}
	return nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

var cliVersionRe = regexp.MustCompile(`aws-cli/(\d+)\.(\d+)\.(\d+)`)

// TestClients drives the fixture with each client, the clients side by side, each on a stack of
// its own in one local cloud (a client reads and deletes its stack's queues, and puts its bucket's
// policy back: nothing of one is another's).
func TestClients(t *testing.T) {
	testenv.SkipIfShort(t, "starts a local cloud and runs four AWS clients")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	begin := time.Now()
	found, missing := awsclients.Find(ctx)
	const scenario = "resilient"
	cdkOut := prepareFixture(ctx, t, scenario)
	c := startCloud(ctx, t)
	t.Logf("local cloud started, the fixture built (%s, ETL for %s) in %s", scenario, hostArch(), time.Since(begin).Round(100*time.Millisecond))

	awsclients.RunAll(t, found, missing, func(t *testing.T, client awsclients.Client) {
		st := deployStack(ctx, t, c, cdkOut, fixtureStack+"-"+client.Name, scenario)
		switch client.Kind {
		case awsclients.CLI:
			cliTest(ctx, t, st, client)
		case awsclients.Python:
			boto3Test(ctx, t, st, client)
		default:
			t.Fatalf("%s: kind %q", client.Name, client.Kind)
		}
	})
	t.Logf("test/clients: %s in all", time.Since(begin).Round(100*time.Millisecond))
}

// cliMessage is one message of `aws sqs receive-message`.
type cliMessage struct {
	MessageID              string `json:"MessageId"`
	ReceiptHandle          string
	Body                   string
	Attributes             map[string]string
	MessageAttributes      map[string]struct{ StringValue, DataType string }
	MD5OfMessageAttributes string
}

// cliTest drives the stack with an AWS CLI (v1 or v2).
func cliTest(ctx context.Context, t *testing.T, st *stack, c awsclients.Client) {
	path, major := c.Path, c.Major
	m := cliVersionRe.FindStringSubmatch(c.Version)
	if m == nil || m[1] != strconv.Itoa(major) || major != 1 && major != 2 {
		t.Fatalf("%s at %s: --version printed %q, want aws-cli/%d.x (1 or 2)", c.Name, path, c.Version, major)
	}
	t.Logf("%s: %s", path, c.Version)
	env, home := cleanEnv(t, st.cloud)
	runner, err := awsclients.NewCLIRunner(ctx, c, env, home)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(runner.Close)
	cli := &proc{path: path, env: env, dir: home, cli: runner}
	endpoint := []string{"--endpoint-url", st.cloud.Endpoint()}
	// Which commands need --endpoint-url: every one for a CLI older than AWS_ENDPOINT_URL (v2 < 2.13,
	// botocore < 1.31); sqs for the v1, whose sqs customization sets its own endpoint unless one is
	// given.
	readsEnv := c.EndpointEnv
	aws := func(service string, args ...string) []string {
		var out []string
		if !readsEnv || service == "sqs" {
			out = append(out, endpoint...)
		}
		return append(append(out, service), args...)
	}
	name := fmt.Sprintf("cli-v%d", major)
	bucket, symbol := st.out["BucketName"], "CONF-CLI-V"+strconv.Itoa(major)
	docKey := "input/" + name + "-doc.json"
	docPath, _, bigPath := files(t, document(symbol, name+"-doc.json", "aws-cli "+m[0]))

	// Two groups side by side (each CLI call is a quarter-second of CPU forked, a second by exec): the
	// stack's own pipeline, bucket and table, in order (the CSV and the error queue follow the
	// uploads); and queues and topics the subtests make for themselves.
	t.Run("s3, the pipeline, dynamodb", func(t *testing.T) {
		t.Parallel()
		t.Run("s3 uploads", func(t *testing.T) {
			steps := []struct {
				what string
				args []string
			}{
				{"s3 cp of a JSON document", aws("s3", "cp", "--no-progress", docPath, "s3://"+bucket+"/"+docKey)},
				// No --body: an empty object and no Content-Type, as boto3 sends it.
				{"s3api put-object of an empty object", aws("s3api", "put-object", "--bucket", bucket, "--key", "input/"+name+"-empty.json")},
				// 12 MiB: multipart (the CLI's threshold is 8 MiB), CompleteMultipartUpload is the event.
				{"s3 cp of 12 MiB (multipart)", aws("s3", "cp", "--no-progress", bigPath, "s3://"+bucket+"/input/"+name+"-big.json")},
				// And in one PUT.
				{"s3api put-object of 12 MiB", aws("s3api", "put-object", "--bucket", bucket, "--key", "input/"+name+"-bigput.json", "--body", bigPath)},
			}
			for _, s := range steps {
				if _, err := cli.run(ctx, s.args...); err != nil {
					t.Fatalf("%s: %v", s.what, err)
				}
			}
		})

		t.Run("the document comes out as CSV", func(t *testing.T) {
			st.waitObject(ctx, t, "output/"+name+"-doc.json.csv", time.Minute)
			got, err := cli.run(ctx, aws("s3", "cp", "s3://"+bucket+"/output/"+name+"-doc.json.csv", "-")...)
			if err != nil {
				t.Fatal(err)
			}
			if want := csvOf(name+"-doc.json", "aws-cli "+m[0]); string(got) != want {
				t.Errorf("CSV = %q, want %q", got, want)
			}
		})

		t.Run("logs: the function's log, read back through CloudWatch Logs", func(t *testing.T) {
			// The fixture's function names no LoggingConfig: its group is Lambda's default.
			group := "/aws/lambda/" + st.out["FunctionName"]
			var groups struct {
				LogGroups []struct{ LogGroupName string }
			}
			if err := cli.runJSON(ctx, &groups, aws("logs", "describe-log-groups", "--log-group-name-prefix", group)...); err != nil {
				t.Fatal(err)
			}
			if len(groups.LogGroups) != 1 || groups.LogGroups[0].LogGroupName != group {
				t.Fatalf("log groups %+v, want %s", groups.LogGroups, group)
			}
			pattern := `"document processed" "` + docKey + `"`
			var found struct {
				Events []struct {
					LogStreamName, Message string
					Timestamp              int64
				}
			}
			// The CSV is written before the line that says so: a moment's wait at most.
			poll.Until(20*time.Second, 500*time.Millisecond, func() bool {
				err := cli.runJSON(ctx, &found, aws("logs", "filter-log-events", "--log-group-name", group, "--filter-pattern", pattern)...)
				return err != nil || len(found.Events) > 0
			})
			if len(found.Events) != 1 || !strings.Contains(found.Events[0].Message, `"object_key":"`+docKey+`"`) ||
				!strings.Contains(found.Events[0].LogStreamName, "/[$LATEST]") || found.Events[0].Timestamp < time.Now().Add(-10*time.Minute).UnixMilli() {
				t.Fatalf("filter-log-events %s: %+v, want the one line of the document's processing", pattern, found.Events)
			}
			if major != 2 {
				return // the v1 has no logs tail
			}
			// A JSON pattern, on the function's slog line.
			out, err := cli.run(ctx, aws("logs", "tail", group, "--since", "10m", "--filter-pattern",
				`{ $.msg = "document processed" && $.object_key = "`+docKey+`" }`)...)
			if err != nil {
				t.Fatal(err)
			}
			if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(lines) != 1 || !strings.Contains(lines[0], found.Events[0].LogStreamName+" ") ||
				!strings.Contains(lines[0], "document processed") {
				t.Errorf("logs tail: %q, want the line with its stream", out)
			}
		})

		t.Run("empty and 12 MiB objects are in the error queue with their reasons", func(t *testing.T) {
			want := map[string]string{
				"input/" + name + "-empty.json":  "malformed_json",
				"input/" + name + "-big.json":    "too_large",
				"input/" + name + "-bigput.json": "too_large",
			}
			got := map[string]string{}
			type entry struct{ Id, ReceiptHandle string }
			var received []entry
			for deadline := time.Now().Add(time.Minute); len(got) < len(want) && time.Now().Before(deadline); {
				var out struct{ Messages []cliMessage }
				if err := cli.runJSON(ctx, &out, aws("sqs", "receive-message", "--queue-url", st.out["ErrorQueueUrl"],
					"--max-number-of-messages", "10", "--wait-time-seconds", "2", "--message-attribute-names", "All")...); err != nil {
					t.Fatal(err)
				}
				for _, msg := range out.Messages {
					got[msg.MessageAttributes["SourceKey"].StringValue] = msg.MessageAttributes["ErrorReason"].StringValue
					received = append(received, entry{fmt.Sprint("m", len(received)), msg.ReceiptHandle})
				}
			}
			for k, reason := range want {
				if got[k] != reason {
					t.Errorf("error queue: %s has reason %q, want %q (all: %v)", k, got[k], reason, got)
				}
			}
			// Deleted in one batch (both CLIs' protocols: JSON for the v1, query for Debian's v2).
			if len(received) == 0 {
				return
			}
			entries, _ := json.Marshal(received)
			var deleted struct {
				Successful []struct{ Id string }
				Failed     []struct{ Id, Code, Message string }
			}
			if err := cli.runJSON(ctx, &deleted, aws("sqs", "delete-message-batch", "--queue-url", st.out["ErrorQueueUrl"], "--entries", string(entries))...); err != nil {
				t.Fatal(err)
			}
			if len(deleted.Successful) != len(received) || len(deleted.Failed) != 0 {
				t.Errorf("delete-message-batch of %d: %d deleted, failed %+v", len(received), len(deleted.Successful), deleted.Failed)
			}
			var attrs struct{ Attributes map[string]string }
			if err := cli.runJSON(ctx, &attrs, aws("sqs", "get-queue-attributes", "--queue-url", st.out["ErrorQueueUrl"],
				"--attribute-names", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")...); err != nil {
				t.Fatal(err)
			}
			if attrs.Attributes["ApproximateNumberOfMessages"] != "0" || attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
				t.Errorf("the error queue after delete-message-batch: %v", attrs.Attributes)
			}
		})

		t.Run("s3api bucket policy: put, get, delete, the bucket kept", func(t *testing.T) {
			doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:DeleteBucket","Resource":"arn:aws:s3:::` + bucket + `"}]}`
			var template struct{ Policy string } // the stack's, put back when the subtest ends
			if err := cli.runJSON(ctx, &template, aws("s3api", "get-bucket-policy", "--bucket", bucket)...); err != nil || template.Policy == "" {
				t.Fatalf("get-bucket-policy of the stack's bucket: %q, %v", template.Policy, err)
			}
			defer func() {
				if _, err := cli.run(ctx, aws("s3api", "put-bucket-policy", "--bucket", bucket, "--policy", template.Policy)...); err != nil {
					t.Errorf("putting the stack's policy back: %v", err)
				}
			}()
			if _, err := cli.run(ctx, aws("s3api", "put-bucket-policy", "--bucket", bucket, "--policy", "{not json")...); err == nil || !strings.Contains(err.Error(), "MalformedPolicy") {
				t.Errorf("put-bucket-policy of a policy that is not JSON: %v, want MalformedPolicy", err)
			}
			if _, err := cli.run(ctx, aws("s3api", "put-bucket-policy", "--bucket", bucket, "--policy", doc)...); err != nil {
				t.Fatal(err)
			}
			var got struct{ Policy string }
			if err := cli.runJSON(ctx, &got, aws("s3api", "get-bucket-policy", "--bucket", bucket)...); err != nil || got.Policy != doc {
				t.Errorf("get-bucket-policy = %q, %v; want the policy put", got.Policy, err)
			}
			if _, err := cli.run(ctx, aws("s3api", "delete-bucket-policy", "--bucket", bucket)...); err != nil {
				t.Fatal(err)
			}
			if _, err := cli.run(ctx, aws("s3api", "get-bucket-policy", "--bucket", bucket)...); err == nil || !strings.Contains(err.Error(), "NoSuchBucketPolicy") {
				t.Errorf("get-bucket-policy after the delete: %v, want NoSuchBucketPolicy", err)
			}
			if _, err := cli.run(ctx, aws("s3api", "head-bucket", "--bucket", bucket)...); err != nil {
				t.Errorf("the bucket after delete-bucket-policy: %v", err)
			}
		})

		t.Run("s3api put-object and list-objects-v2 of a key with a space, a plus and a control character", func(t *testing.T) {
			// The CLI asks for encoding-type=url and decodes: "+" is a space, %2B a plus, and the
			// control character, which XML cannot carry, comes back whole.
			key := "notes/" + name + "/a b+c\x01.txt"
			var put struct{ ServerSideEncryption string }
			if err := cli.runJSON(ctx, &put, aws("s3api", "put-object", "--bucket", bucket, "--key", key)...); err != nil {
				t.Fatal(err)
			}
			if put.ServerSideEncryption != "AES256" {
				t.Errorf("put-object: ServerSideEncryption %q, want AES256 (S3 encrypts every object)", put.ServerSideEncryption)
			}
			var out struct{ Contents []struct{ Key string } }
			if err := cli.runJSON(ctx, &out, aws("s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "notes/"+name+"/")...); err != nil {
				t.Fatal(err)
			}
			if len(out.Contents) != 1 || out.Contents[0].Key != key {
				t.Errorf("list-objects-v2: %+v, want the one key %q", out.Contents, key)
			}
		})

		t.Run("s3api put-object with an ACL: the stack's bucket does not allow ACLs", func(t *testing.T) {
			// The pipeline's bucket is BucketOwnerEnforced, as every new S3 bucket is by default.
			_, err := cli.run(ctx, aws("s3api", "put-object", "--bucket", bucket, "--key", "notes/"+name+"/public.txt", "--acl", "public-read")...)
			if err == nil || !strings.Contains(err.Error(), "AccessControlListNotSupported") {
				t.Errorf("put-object --acl public-read: %v, want AccessControlListNotSupported", err)
			}
		})

		t.Run("dynamodb scan", func(t *testing.T) {
			var out struct{ Items []map[string]map[string]any }
			if err := cli.runJSON(ctx, &out, aws("dynamodb", "scan", "--table-name", st.out["TableName"])...); err != nil {
				t.Fatal(err)
			}
			checkRows(t, out.Items, symbol)
		})
	})

	t.Run("sqs and sns", func(t *testing.T) {
		t.Parallel()
		// A user's first check of the shell's credentials: the local cloud's key is the account.
		t.Run("sts get-caller-identity", func(t *testing.T) {
			var id struct{ UserId, Account, Arn string }
			if err := cli.runJSON(ctx, &id, aws("sts", "get-caller-identity")...); err != nil {
				t.Fatal(err)
			}
			if id.Arn != cloud.PrincipalAccount || id.Account != cloud.AccountID || id.UserId != cloud.AccountID {
				t.Errorf("get-caller-identity = %+v, want the account's root user %s", id, cloud.PrincipalAccount)
			}
		})
		t.Run("sqs send and receive", func(t *testing.T) {
			qname := "conformance-" + name
			var created struct{ QueueUrl string }
			if err := cli.runJSON(ctx, &created, aws("sqs", "create-queue", "--queue-name", qname)...); err != nil {
				t.Fatal(err)
			}
			if want := st.cloud.Endpoint() + "/000000000000/" + qname; created.QueueUrl != want {
				t.Errorf("QueueUrl = %q, want %q", created.QueueUrl, want)
			}
			body := `hello from the CLI {"x": [1, 2]} & <xml>`
			var sent struct{ MessageId, MD5OfMessageBody string }
			if err := cli.runJSON(ctx, &sent, aws("sqs", "send-message", "--queue-url", created.QueueUrl, "--message-body", body,
				"--message-attributes", `{"client":{"DataType":"String","StringValue":"`+m[0]+`"}}`)...); err != nil {
				t.Fatal(err)
			}
			// A receive that names no message attributes gets none, as from SQS (the emulator
			// answered all of them); its visibility timeout 0 leaves the message for the next.
			receive := func(args ...string) []cliMessage {
				t.Helper()
				var recv struct{ Messages []cliMessage }
				for deadline := time.Now().Add(10 * time.Second); len(recv.Messages) == 0 && time.Now().Before(deadline); {
					if err := cli.runJSON(ctx, &recv, aws("sqs", append([]string{"receive-message", "--queue-url", created.QueueUrl, "--wait-time-seconds", "1"}, args...)...)...); err != nil {
						t.Fatal(err)
					}
				}
				if len(recv.Messages) != 1 {
					t.Fatalf("received %d messages, want 1", len(recv.Messages))
				}
				return recv.Messages
			}
			if bare := receive("--visibility-timeout", "0")[0]; bare.Body != body || bare.MessageAttributes != nil || bare.MD5OfMessageAttributes != "" {
				t.Errorf("a receive naming no message attributes got %+v, want the body and no attributes", bare)
			}
			got := receive("--attribute-names", "All", "--message-attribute-names", "All")[0]
			if got.MessageID != sent.MessageId || got.Body != body || got.MessageAttributes["client"].StringValue != m[0] || got.Attributes["ApproximateReceiveCount"] != "2" {
				t.Errorf("received %+v, want message %s with body %q and attribute client=%s", got, sent.MessageId, body, m[0])
			}
			if _, err := cli.run(ctx, aws("sqs", "delete-message", "--queue-url", created.QueueUrl, "--receipt-handle", got.ReceiptHandle)...); err != nil {
				t.Fatal(err)
			}
			var attrs struct{ Attributes map[string]string }
			if err := cli.runJSON(ctx, &attrs, aws("sqs", "get-queue-attributes", "--queue-url", created.QueueUrl, "--attribute-names", "All")...); err != nil {
				t.Fatal(err)
			}
			if attrs.Attributes["ApproximateNumberOfMessages"] != "0" || attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
				t.Errorf("after delete-message: %v", attrs.Attributes)
			}
			// The deleted message's visibility: SQS's InvalidParameterValue and its words (the
			// emulator answered MessageNotInflight).
			if _, err := cli.run(ctx, aws("sqs", "change-message-visibility", "--queue-url", created.QueueUrl, "--receipt-handle", got.ReceiptHandle, "--visibility-timeout", "30")...); err == nil ||
				!strings.Contains(err.Error(), "InvalidParameterValue") || !strings.Contains(err.Error(), "Reason: Message does not exist or is not available for visibility timeout change.") {
				t.Errorf("change-message-visibility of a deleted message: %v, want InvalidParameterValue", err)
			}
			// A typo in an attribute's name is refused, as SQS refuses it (the emulator answered nothing).
			if _, err := cli.run(ctx, aws("sqs", "get-queue-attributes", "--queue-url", created.QueueUrl, "--attribute-names", "ApproximateNumberOfMessage")...); err == nil ||
				!strings.Contains(err.Error(), "InvalidAttributeName") || !strings.Contains(err.Error(), "Unknown Attribute ApproximateNumberOfMessage.") {
				t.Errorf("get-queue-attributes of ApproximateNumberOfMessage: %v, want InvalidAttributeName", err)
			}
			if _, err := cli.run(ctx, aws("sqs", "delete-queue", "--queue-url", created.QueueUrl)...); err != nil {
				t.Fatal(err)
			}
		})

		// Two receive-message calls wait on a queue whose ReceiveMessageWaitTimeSeconds is 5; a message
		// sent while both wait wakes one of them, and the other returns empty only when its 5 s are over.
		// The test cannot see when a CLI's request reaches the cloud (a CLI starts in under a second
		// alone, in several at nice 19 beside the lab in make test), so an attempt in which both polls
		// came back empty is judged by the message's SentTimestamp, the cloud's own clock: a poll that
		// started at s and returned empty at e waited from at most e−5 s to at least s+5 s if the cloud is
		// right, so a message that arrived in that stretch should have woken it (the cloud is wrong). A
		// message that arrived outside it came too late (or too early) to tell: the attempt is made again,
		// three at most.
		t.Run("sqs long polls on the queue's ReceiveMessageWaitTimeSeconds end empty only when it is over", func(t *testing.T) {
			const wait, attempts = 5 * time.Second, 3
			for attempt := 1; ; attempt++ {
				judged := longPollAttempt(ctx, t, cli, aws, fmt.Sprintf("long-poll-%s-%d", name, attempt), wait)
				if judged || t.Failed() {
					return
				}
				if attempt == attempts {
					t.Fatalf("in %d attempts the message never reached the queue while both polls waited: the CLIs were too slow to tell", attempts)
				}
			}
		})

		t.Run("sns publish reaches the topic's queue", func(t *testing.T) {
			message := "published by " + m[0]
			var out struct{ MessageId string }
			if err := cli.runJSON(ctx, &out, aws("sns", "publish", "--topic-arn", st.out["TopicArn"], "--message", message, "--subject", "conformance",
				"--message-attributes", `{"client":{"DataType":"String","StringValue":"`+m[0]+`"}}`)...); err != nil {
				t.Fatal(err)
			}
			if out.MessageId == "" {
				t.Error("publish returned no MessageId")
			}
			if attrs := st.snsDelivered(ctx, t, st.out["CsvQueueUrl"], message, 20*time.Second); attrs["client"] != m[0] {
				t.Errorf("delivered with attributes %v, want client=%s", attrs, m[0])
			}
		})

		t.Run("sns checks a publish as SNS does", func(t *testing.T) {
			message := "for queues, from " + m[0]
			structured, _ := json.Marshal(map[string]string{"default": "not for queues", "sqs": message})
			var out struct{ MessageId string }
			if err := cli.runJSON(ctx, &out, aws("sns", "publish", "--topic-arn", st.out["TopicArn"], "--message-structure", "json", "--message", string(structured))...); err != nil || out.MessageId == "" {
				t.Fatalf("publish of a json structure: %+v, %v", out, err)
			}
			if attrs := st.snsDelivered(ctx, t, st.out["CsvQueueUrl"], message, 20*time.Second); len(attrs) != 0 {
				t.Errorf("the json structure's sqs entry delivered with attributes %v", attrs)
			}
			_, err := cli.run(ctx, aws("sns", "publish", "--topic-arn", st.out["TopicArn"], "--message", "refused",
				"--message-attributes", `{"price":{"DataType":"Number","StringValue":"cheap"}}`)...)
			if err == nil || !strings.Contains(err.Error(), "InvalidParameterValue") || !strings.Contains(err.Error(), "price") {
				t.Errorf("publish with a Number attribute that is not a number: %v, want InvalidParameterValue naming price", err)
			}
		})
	})
}

// boto3Test drives the stack with testdata/boto3_client.py on the client's Python.
func boto3Test(ctx context.Context, t *testing.T, st *stack, c awsclients.Client) {
	python := c.Path
	script, err := filepath.Abs("testdata/boto3_client.py")
	if err != nil {
		t.Fatal(err)
	}
	env, home := cleanEnv(t, st.cloud)
	// botocore reads AWS_ENDPOINT_URL from 1.31 on; an older one is given the endpoint in code.
	if !c.EndpointEnv {
		env = append(env, "CHAOSLAB_CLIENT_ENDPOINT_URL="+st.cloud.Endpoint())
	}
	sess := startSession(ctx, t, &proc{path: python, env: env, dir: home}, script)
	run := func(t *testing.T, out any, command string, args ...string) {
		t.Helper()
		if err := sess.run(out, command, args...); err != nil {
			t.Fatal(err)
		}
	}
	var v struct{ Boto3, Botocore, Python string }
	run(t, &v, "version")
	t.Logf("%s: Python %s, boto3 %s, botocore %s", python, v.Python, v.Boto3, v.Botocore)
	if v.Boto3 != c.Boto3 || v.Botocore != c.Botocore {
		t.Errorf("the script runs boto3 %s, botocore %s; awsclients found %s", v.Boto3, v.Botocore, c.Version)
	}
	name := "boto3-" + v.Boto3
	bucket, symbol := st.out["BucketName"], "CONF-BOTO3-"+v.Boto3
	author := "boto3 " + v.Boto3
	docPath, emptyPath, bigPath := files(t, document(symbol, name+"-doc.json", author))
	// botocore ≥ 1.36 sends aws-chunked bodies with a trailing checksum (over TLS).
	chunked := awsclients.AtLeast(v.Botocore, 1, 36)

	t.Run("s3 put_object", func(t *testing.T) {
		// One client, one connection: the upload after the empty one is answered on its first
		// attempt (botocore retries a response it waited 60 s for: the gateway's continueEmpty).
		for _, p := range []struct{ key, path string }{{"-doc.json", docPath}, {"-empty.json", emptyPath}, {"-big.json", bigPath}} {
			var out struct{ RetryAttempts int }
			run(t, &out, "put", bucket, "input/"+name+p.key, p.path)
			if out.RetryAttempts != 0 {
				t.Errorf("put_object of input/%s%s took %d retries, want none", name, p.key, out.RetryAttempts)
			}
		}
		// S3 checks the data against Content-MD5 and x-amz-checksum-*; fauxqs does not, the gateway does.
		var codes struct{ MD5, SHA256 string }
		run(t, &codes, "put-wrong-checksums", bucket, "scratch/"+name+"-wrong-checksum")
		if codes.MD5 != "BadDigest" || codes.SHA256 != "BadDigest" {
			t.Errorf("put_object with another object's Content-MD5 / ChecksumSHA256: %q / %q, want BadDigest both", codes.MD5, codes.SHA256)
		}
		if chunked {
			chunkedDoc := filepath.Join(t.TempDir(), "chunked.json")
			if err := os.WriteFile(chunkedDoc, document(symbol, name+"-chunked.json", author), 0o644); err != nil {
				t.Fatal(err)
			}
			var sent struct{ Sent map[string]string }
			run(t, &sent, "put-chunked", bucket, "input/"+name+"-chunked.json", chunkedDoc)
			if !strings.Contains(sent.Sent["content-encoding"], "aws-chunked") || sent.Sent["x-amz-trailer"] == "" {
				t.Errorf("botocore did not send aws-chunked with a trailer: %v", sent.Sent)
			}
		}
	})

	// S3 keeps an object's checksum and answers it to a read that asks; botocore checks the body
	// against it (the emulator kept none, so botocore checked nothing).
	t.Run("s3 an object's checksum, kept and checked", func(t *testing.T) {
		data := "the data " + name + " checks\n"
		sum := sha256.Sum256([]byte(data))
		want := base64.StdEncoding.EncodeToString(sum[:])
		var got struct{ Put, Get, Head, Body, Checked string }
		run(t, &got, "checksums", bucket, "scratch/"+name+"-checksum", data)
		if got.Put != want || got.Get != want || got.Head != want || got.Body != data || got.Checked != want {
			t.Errorf("put/get/head ChecksumSHA256 %q/%q/%q, body %q, botocore checked the body against %q; want %q each, and the data",
				got.Put, got.Get, got.Head, got.Body, got.Checked, want)
		}
	})

	t.Run("the document comes out as CSV", func(t *testing.T) {
		docs := []string{name + "-doc.json"}
		if chunked {
			docs = append(docs, name+"-chunked.json") // the decoded bytes were stored, or this is no document
		}
		for _, d := range docs {
			st.waitObject(ctx, t, "output/"+d+".csv", time.Minute)
			var got struct{ Body, ContentType string }
			run(t, &got, "get", bucket, "output/"+d+".csv")
			if want := csvOf(d, author); got.Body != want || got.ContentType != "text/csv" {
				t.Errorf("output/%s.csv = %q (%s), want %q (text/csv)", d, got.Body, got.ContentType, want)
			}
		}
	})

	t.Run("logs filter_log_events and get_log_events: the document's line", func(t *testing.T) {
		group := "/aws/lambda/" + st.out["FunctionName"]
		var found struct {
			Events []struct{ LogStreamName, Message string }
		}
		filter := map[string]any{"logGroupName": group, "filterPattern": `"document processed" "input/` + name + `-doc.json"`}
		poll.Until(20*time.Second, 500*time.Millisecond, func() bool {
			err := sess.call(&found, "logs", "FilterLogEvents", filter)
			return err != nil || len(found.Events) > 0
		})
		if len(found.Events) != 1 {
			t.Fatalf("FilterLogEvents %v: %+v, want one line", filter, found.Events)
		}
		var got struct {
			Events           []struct{ Message string }
			NextForwardToken string
		}
		if err := sess.call(&got, "logs", "GetLogEvents", map[string]any{"logGroupName": group,
			"logStreamName": found.Events[0].LogStreamName, "startFromHead": true}); err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(got.Events, func(e struct{ Message string }) bool { return e.Message == found.Events[0].Message }) ||
			!strings.HasPrefix(got.NextForwardToken, "f/") {
			t.Errorf("GetLogEvents of %s: %d events, token %q; want the line among them", found.Events[0].LogStreamName, len(got.Events), got.NextForwardToken)
		}
	})

	t.Run("empty and 12 MiB objects are in the error queue with their reasons", func(t *testing.T) {
		want := map[string]string{"input/" + name + "-empty.json": "malformed_json", "input/" + name + "-big.json": "too_large"}
		keys := make([]string, 0, len(want))
		for k := range want {
			keys = append(keys, k)
		}
		got := map[string]string{}
		run(t, &got, "error-reasons", st.out["ErrorQueueUrl"], strings.Join(keys, ","), "60")
		for k, reason := range want {
			if got[k] != reason {
				t.Errorf("error queue: %s has reason %q, want %q (all: %v)", k, got[k], reason, got)
			}
		}
	})

	t.Run("sqs send and receive", func(t *testing.T) {
		qname := "conformance-" + strings.ReplaceAll(name, ".", "-")
		var got struct {
			QueueUrl, SentId, Id, Body, Attribute, ReceiveCount string
			Left                                                map[string]string
		}
		run(t, &got, "sqs-roundtrip", qname)
		if want := st.cloud.Endpoint() + "/000000000000/" + qname; got.QueueUrl != want {
			t.Errorf("QueueUrl = %q, want %q", got.QueueUrl, want)
		}
		if got.Id != got.SentId || got.Body != `hello from boto3 {"x": [1, 2]} & <xml>` || got.Attribute != author || got.ReceiveCount != "1" {
			t.Errorf("round trip = %+v", got)
		}
		if got.Left["ApproximateNumberOfMessages"] != "0" || got.Left["ApproximateNumberOfMessagesNotVisible"] != "0" {
			t.Errorf("after delete_message: %v", got.Left)
		}
	})

	t.Run("sns publish reaches the topic's queue", func(t *testing.T) {
		message := "published by " + author
		var out struct{ MessageId string }
		run(t, &out, "publish", st.out["TopicArn"], message)
		if out.MessageId == "" {
			t.Error("publish returned no MessageId")
		}
		if attrs := st.snsDelivered(ctx, t, st.out["CsvQueueUrl"], message, 20*time.Second); attrs["client"] != "boto3" {
			t.Errorf("delivered with attributes %v, want client=boto3", attrs)
		}
	})

	t.Run("sns checks a publish as SNS does", func(t *testing.T) {
		message := "for queues, from " + author
		var out struct {
			MessageId string
			Codes     map[string]string
		}
		run(t, &out, "publish-checks", st.out["TopicArn"], message)
		if out.MessageId == "" || out.Codes["number"] != "InvalidParameterValue" || out.Codes["subject"] != "InvalidParameter" {
			t.Errorf("publish-checks = %+v, want a MessageId, InvalidParameterValue for a Number attribute that is not a number, InvalidParameter for a subject of two lines", out)
		}
		if attrs := st.snsDelivered(ctx, t, st.out["CsvQueueUrl"], message, 20*time.Second); len(attrs) != 0 {
			t.Errorf("the json structure's sqs entry delivered with attributes %v", attrs)
		}
	})

	t.Run("dynamodb scan", func(t *testing.T) {
		var items []map[string]map[string]any
		run(t, &items, "scan", st.out["TableName"])
		checkRows(t, items, symbol)
	})

	// The dead-letter queue redrive (StartMessageMoveTask, 2023) is in botocore's JSON-protocol SQS
	// (1.31 and later); the local cloud does not translate it from the query protocol.
	if awsclients.AtLeast(v.Botocore, 1, 31) {
		t.Run("sqs dead-letter queue redrive: start_message_move_task", func(t *testing.T) {
			redrive(t, sess, strings.ReplaceAll(name, ".", "-"))
		})
	}

	// Lambda's async invoke and SNS's filter policies and FIFO topics are the cloud's features, not
	// a client's: every botocore sends the same requests for them (rest-json; query or, from
	// botocore 1.31, JSON for SQS), so they run with one required client, Debian's boto3 (its SQS
	// calls take the gateway's query translation), through API calls in its session. As AWS CLI
	// commands they were 37 processes, about 33 CPU-seconds of make test, for the same requests.
	if !c.Required {
		t.Logf("%s: the async invoke, filter policy and FIFO subtests run with the required boto3 only", c.Name)
		return
	}
	cloudFeatures(t, st, sess, strings.ReplaceAll(name, ".", "-"))
}

// cloudFeatures drives Lambda's async invoke, an SNS filter policy and a FIFO topic through a
// boto3 session's API calls; name prefixes the topics and queues it makes.
func cloudFeatures(t *testing.T, st *stack, sess *pySession, name string) {
	call := func(t *testing.T, out any, service, operation string, params any) {
		t.Helper()
		if err := sess.call(out, service, operation, params); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("lambda invoke with InvocationType Event is queued and run", func(t *testing.T) {
		var out struct{ StatusCode int }
		call(t, &out, "lambda", "Invoke", map[string]any{"FunctionName": st.out["FunctionName"], "InvocationType": "Event", "Payload": `{"Records":[]}`})
		if out.StatusCode != 202 {
			t.Fatalf("StatusCode %d, want 202 (accepted into the queue)", out.StatusCode)
		}
		// The stack's function is this client's own: one event received, and it ran without a drop.
		sum := func(metric string) float64 {
			var stats struct{ Datapoints []struct{ Sum float64 } }
			now := time.Now().UTC()
			call(t, &stats, "cloudwatch", "GetMetricStatistics", map[string]any{
				"Namespace": "AWS/Lambda", "MetricName": metric, "Statistics": []string{"Sum"}, "Period": 3600,
				"Dimensions": []map[string]string{{"Name": "FunctionName", "Value": st.out["FunctionName"]}},
				"StartTime":  now.Add(-time.Hour).Format(time.RFC3339), "EndTime": now.Add(time.Minute).Format(time.RFC3339)})
			var n float64
			for _, d := range stats.Datapoints {
				n += d.Sum
			}
			return n
		}
		var received float64
		poll.Until(30*time.Second, 500*time.Millisecond, func() bool { received = sum("AsyncEventsReceived"); return received >= 1 })
		if received != 1 {
			t.Errorf("AsyncEventsReceived %v, want 1", received)
		}
		if got := sum("AsyncEventsDropped"); got != 0 {
			t.Errorf("AsyncEventsDropped %v, want 0", got)
		}
	})

	// queueFor makes a queue (deleted when the test ends) that lets topicArn send to it, as a
	// subscriber's queue must (the local cloud authorizes each delivery against its policy).
	queueFor := func(t *testing.T, topicArn, queue string, attrs map[string]string) (arn, url string) {
		t.Helper()
		arn = strings.Replace(topicArn[:strings.LastIndexByte(topicArn, ':')+1]+queue, ":sns:", ":sqs:", 1)
		policy, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
			"Effect": "Allow", "Principal": map[string]string{"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
			"Resource": arn, "Condition": map[string]any{"ArnEquals": map[string]string{"aws:SourceArn": topicArn}}}}})
		all := map[string]string{"Policy": string(policy)}
		maps.Copy(all, attrs)
		var q struct{ QueueUrl string }
		call(t, &q, "sqs", "CreateQueue", map[string]any{"QueueName": queue, "Attributes": all})
		t.Cleanup(func() { sess.call(nil, "sqs", "DeleteQueue", map[string]any{"QueueUrl": q.QueueUrl}) })
		return arn, q.QueueUrl
	}
	topic := func(t *testing.T, name string, attrs map[string]string) string {
		t.Helper()
		params := map[string]any{"Name": name}
		if attrs != nil {
			params["Attributes"] = attrs
		}
		var out struct{ TopicArn string }
		call(t, &out, "sns", "CreateTopic", params)
		t.Cleanup(func() { sess.call(nil, "sns", "DeleteTopic", map[string]any{"TopicArn": out.TopicArn}) })
		return out.TopicArn
	}
	type message struct {
		Body, ReceiptHandle string
		Attributes          map[string]string
	}
	receive := func(t *testing.T, queueURL string) []message {
		t.Helper()
		var out struct{ Messages []message }
		call(t, &out, "sqs", "ReceiveMessage", map[string]any{"QueueUrl": queueURL, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 1, "AttributeNames": []string{"All"}})
		return out.Messages
	}
	// delivered is the bodies a topic's deliveries left in a queue: they are done when publish returns,
	// so a second receive finds nothing more.
	delivered := func(t *testing.T, queueURL string) []string {
		t.Helper()
		var bodies []string
		for range 2 {
			for _, m := range receive(t, queueURL) {
				bodies = append(bodies, m.Body)
			}
		}
		return bodies
	}

	t.Run("sns filter policy decides each delivery", func(t *testing.T) {
		topicArn := topic(t, name+"-filter", nil)
		queueArn, queueURL := queueFor(t, topicArn, name+"-filtered", nil)
		subscribe := func(filter string) error {
			return sess.call(nil, "sns", "Subscribe", map[string]any{"TopicArn": topicArn, "Protocol": "sqs", "Endpoint": queueArn,
				"Attributes": map[string]string{"FilterPolicy": filter, "RawMessageDelivery": "true"}})
		}
		// A policy SNS refuses is refused here too, with its reason (the emulator would store it).
		if err := subscribe(`{"kind": "csv"}`); errorCode(err) != "InvalidParameter" || !strings.Contains(err.Error(), "kind: want an array") {
			t.Errorf("subscribe with a bare value as the policy: %v, want InvalidParameter naming kind", err)
		}
		if err := subscribe(`{"kind": ["csv"], "size": [{"numeric": [">", 10]}]}`); err != nil {
			t.Fatal(err)
		}
		for _, m := range []struct{ body, kind, size string }{{"json, filtered out", "json", "20"}, {"small, filtered out", "csv", "5"}, {"delivered", "csv", "20"}} {
			call(t, nil, "sns", "Publish", map[string]any{"TopicArn": topicArn, "Message": m.body, "MessageAttributes": map[string]any{
				"kind": map[string]string{"DataType": "String", "StringValue": m.kind},
				"size": map[string]string{"DataType": "Number", "StringValue": m.size}}})
		}
		if got := delivered(t, queueURL); len(got) != 1 || got[0] != "delivered" {
			t.Errorf("the queue received %q, want only the message the policy lets through", got)
		}
	})

	// An alarm's action: set to ALARM, its notification reaches the topic's queue (in an SNS
	// envelope, CloudWatch's subject and JSON), and the run is in the alarm's history.
	t.Run("cloudwatch alarm action notifies its topic", func(t *testing.T) {
		topicArn := topic(t, name+"-alarms", nil)
		queueArn, queueURL := queueFor(t, topicArn, name+"-alarm-notes", nil)
		call(t, nil, "sns", "Subscribe", map[string]any{"TopicArn": topicArn, "Protocol": "sqs", "Endpoint": queueArn})
		alarm := name + "-errors"
		call(t, nil, "cloudwatch", "PutMetricAlarm", map[string]any{"AlarmName": alarm, "Namespace": "AWS/Lambda", "MetricName": "Errors",
			"Dimensions": []map[string]string{{"Name": "FunctionName", "Value": st.out["FunctionName"]}}, "Statistic": "Sum", "Period": 60,
			"EvaluationPeriods": 1, "Threshold": 1000, "ComparisonOperator": "GreaterThanThreshold", "AlarmActions": []string{topicArn}})
		t.Cleanup(func() { sess.call(nil, "cloudwatch", "DeleteAlarms", map[string]any{"AlarmNames": []string{alarm}}) })
		call(t, nil, "cloudwatch", "SetAlarmState", map[string]any{"AlarmName": alarm, "StateValue": "ALARM", "StateReason": "drill by " + name})
		var note struct{ Subject, Message string }
		poll.Until(20*time.Second, 500*time.Millisecond, func() bool {
			for _, m := range receive(t, queueURL) {
				_ = json.Unmarshal([]byte(m.Body), &note)
			}
			return note.Subject != ""
		})
		var msg struct{ AlarmName, NewStateValue, NewStateReason string }
		_ = json.Unmarshal([]byte(note.Message), &msg)
		if note.Subject != `ALARM: "`+alarm+`" in US East (N. Virginia)` || msg.AlarmName != alarm || msg.NewStateValue != "ALARM" || msg.NewStateReason != "drill by "+name {
			t.Fatalf("the notification: subject %q, message %s", note.Subject, note.Message)
		}
		var history struct {
			AlarmHistoryItems []struct{ HistorySummary string }
		}
		call(t, &history, "cloudwatch", "DescribeAlarmHistory", map[string]any{"AlarmName": alarm, "HistoryItemType": "Action"})
		if len(history.AlarmHistoryItems) != 1 || history.AlarmHistoryItems[0].HistorySummary != "Successfully executed action "+topicArn {
			t.Errorf("the alarm's Action history: %+v", history.AlarmHistoryItems)
		}
	})

	t.Run("sns FIFO topic: group ids, deduplication, order", func(t *testing.T) {
		topicArn := topic(t, name+"-orders.fifo", map[string]string{"FifoTopic": "true"})
		queueArn, queueURL := queueFor(t, topicArn, name+"-orders.fifo", map[string]string{"FifoQueue": "true"})
		// A standard queue too: it does not deduplicate, so it shows what the topic sent.
		stdArn, stdURL := queueFor(t, topicArn, name+"-orders-std", nil)
		for _, arn := range []string{queueArn, stdArn} {
			call(t, nil, "sns", "Subscribe", map[string]any{"TopicArn": topicArn, "Protocol": "sqs", "Endpoint": arn,
				"Attributes": map[string]string{"RawMessageDelivery": "true"}})
		}
		if err := sess.call(nil, "sns", "Publish", map[string]any{"TopicArn": topicArn, "Message": "no group"}); err == nil || !strings.Contains(err.Error(), "MessageGroupId") {
			t.Errorf("publish without a group id: %v, want InvalidParameter naming MessageGroupId", err)
		}
		var seqs []string
		for _, p := range []struct{ body, dedup string }{{"first", "d1"}, {"second", "d2"}, {"first, again", "d1"}, {"third", "d3"}} {
			var out struct{ MessageId, SequenceNumber string }
			call(t, &out, "sns", "Publish", map[string]any{"TopicArn": topicArn, "Message": p.body, "MessageGroupId": "orders", "MessageDeduplicationId": p.dedup})
			seqs = append(seqs, out.SequenceNumber)
		}
		if seqs[2] != seqs[0] || !(seqs[0] < seqs[1] && seqs[1] < seqs[3]) {
			t.Errorf("sequence numbers %q: want the duplicate answered as the first, the others rising", seqs)
		}
		var got []string
		for range 4 { // a FIFO queue hands out a group's next message once the one before is deleted
			for _, m := range receive(t, queueURL) {
				got = append(got, m.Body+"/"+m.Attributes["MessageGroupId"])
				call(t, nil, "sqs", "DeleteMessage", map[string]any{"QueueUrl": queueURL, "ReceiptHandle": m.ReceiptHandle})
			}
		}
		if want := []string{"first/orders", "second/orders", "third/orders"}; !slices.Equal(got, want) {
			t.Errorf("the FIFO queue received %q, want %q", got, want)
		}
		std := delivered(t, stdURL)
		slices.Sort(std)
		if want := []string{"first", "second", "third"}; !slices.Equal(std, want) {
			t.Errorf("the standard queue received %q, want each message once: %q", std, want)
		}
	})

	// Last: the stack's trigger switched off and on again, as a user practising "the trigger is
	// off" does, through Lambda's own API (the documents above were all processed by now).
	t.Run("lambda event source mapping: list, switch off, get, switch on", func(t *testing.T) {
		type mapping struct {
			UUID, State, EventSourceArn, FunctionArn, StateTransitionReason string
			BatchSize                                                       int
		}
		var list struct{ EventSourceMappings []mapping }
		call(t, &list, "lambda", "ListEventSourceMappings", map[string]any{"FunctionName": st.out["FunctionName"]})
		if len(list.EventSourceMappings) != 1 {
			t.Fatalf("the function's mappings: %+v, want its one", list.EventSourceMappings)
		}
		m := list.EventSourceMappings[0]
		if m.State != "Enabled" || !strings.HasSuffix(m.FunctionArn, ":function:"+st.out["FunctionName"]) || !strings.HasPrefix(m.EventSourceArn, "arn:aws:sqs:") || m.BatchSize < 1 {
			t.Errorf("the mapping = %+v", m)
		}
		// Switched off, it is Disabling until its pollers have returned (as Lambda answers), then Disabled.
		var off, got, on mapping
		call(t, &off, "lambda", "UpdateEventSourceMapping", map[string]any{"UUID": m.UUID, "Enabled": false})
		poll.Until(30*time.Second, 200*time.Millisecond, func() bool {
			call(t, &got, "lambda", "GetEventSourceMapping", map[string]any{"UUID": m.UUID})
			return got.State == "Disabled"
		})
		call(t, &on, "lambda", "UpdateEventSourceMapping", map[string]any{"UUID": m.UUID, "Enabled": true})
		if off.State != "Disabling" && off.State != "Disabled" || got.State != "Disabled" || got.StateTransitionReason != "USER_INITIATED" || on.State != "Enabling" {
			t.Errorf("switched off %s, then read %s (%s), switched on %s; want Disabling (or Disabled), Disabled (USER_INITIATED), Enabling", off.State, got.State, got.StateTransitionReason, on.State)
		}
		if err := sess.call(nil, "lambda", "UpdateEventSourceMapping", map[string]any{"UUID": m.UUID, "BatchSize": 5}); err == nil || !strings.Contains(err.Error(), "Enabled only") {
			t.Errorf("an update of BatchSize: %v, want it refused, saying what the local Lambda updates", err)
		}
	})
}

// longPollAttempt is one attempt of the long-poll subtest (see it): two receive-message calls
// without --wait-time-seconds on a new queue that waits wait, and a message sent 2 s after they
// start. It reports whether the attempt could be judged; what it finds wrong it reports on t.
func longPollAttempt(ctx context.Context, t *testing.T, cli *proc, aws func(string, ...string) []string, queue string, wait time.Duration) (judged bool) {
	t.Helper()
	var q struct{ QueueUrl string }
	if err := cli.runJSON(ctx, &q, aws("sqs", "create-queue", "--queue-name", queue,
		"--attributes", fmt.Sprintf(`{"ReceiveMessageWaitTimeSeconds":"%d"}`, int(wait/time.Second)))...); err != nil {
		t.Fatal(err)
	}
	defer cli.run(context.Background(), aws("sqs", "delete-queue", "--queue-url", q.QueueUrl)...)
	type poll struct {
		n          int
		start, end time.Time
		err        error
	}
	polls := make(chan poll, 2)
	for range 2 {
		go func() {
			start := time.Now()
			var out struct{ Messages []cliMessage }
			err := cli.runJSON(ctx, &out, aws("sqs", "receive-message", "--queue-url", q.QueueUrl)...)
			polls <- poll{len(out.Messages), start, time.Now(), err}
		}()
	}
	time.Sleep(2 * time.Second) // both polls waiting, when the CLIs start in time
	if _, err := cli.run(ctx, aws("sqs", "send-message", "--queue-url", q.QueueUrl, "--message-body", "wake")...); err != nil {
		t.Fatal(err)
	}
	var empty []poll
	got := 0
	for range 2 {
		p := <-polls
		if p.err != nil {
			t.Fatal(p.err)
		}
		got += p.n
		if p.n == 0 {
			empty = append(empty, p)
			if took := p.end.Sub(p.start); took < wait {
				t.Errorf("an empty receive-message returned after %v, before the queue's %v wait was over", took.Round(time.Millisecond), wait)
			}
		}
	}
	switch {
	case got == 1:
		return true
	case got != 0:
		t.Errorf("%d messages received, want 1", got)
		return true
	}
	var left struct{ Messages []cliMessage }
	if err := cli.runJSON(ctx, &left, aws("sqs", "receive-message", "--queue-url", q.QueueUrl,
		"--wait-time-seconds", "5", "--attribute-names", "SentTimestamp")...); err != nil {
		t.Fatal(err)
	}
	if len(left.Messages) != 1 {
		t.Errorf("both polls came back empty and the queue then held %d messages, want the 1 sent", len(left.Messages))
		return true
	}
	ms, err := strconv.ParseInt(left.Messages[0].Attributes["SentTimestamp"], 10, 64)
	if err != nil {
		t.Fatalf("SentTimestamp %q: %v", left.Messages[0].Attributes["SentTimestamp"], err)
	}
	arrived := time.UnixMilli(ms)
	for _, p := range empty {
		from, to := p.end.Add(-wait), p.start.Add(wait)
		if !arrived.Before(from) && !arrived.After(to) {
			t.Errorf("the message arrived %v after a poll started, while it must have been waiting (%v to %v after its start), and both polls came back empty",
				arrived.Sub(p.start).Round(time.Millisecond), from.Sub(p.start).Round(time.Millisecond), to.Sub(p.start).Round(time.Millisecond))
			return true
		}
	}
	first := empty[0].start
	if empty[1].start.Before(first) {
		first = empty[1].start
	}
	t.Logf("%s: the message arrived %v after the first poll started, when neither poll had to be waiting; trying again",
		queue, arrived.Sub(first).Round(time.Millisecond))
	return false
}

// redrive makes a work queue whose redrive policy names a dead-letter queue, puts three messages
// in the dead-letter queue, moves them back with StartMessageMoveTask and receives them in the
// work queue; name prefixes the queues.
func redrive(t *testing.T, sess *pySession, name string) {
	call := func(out any, service, operation string, params any) {
		t.Helper()
		if err := sess.call(out, service, operation, params); err != nil {
			t.Fatal(err)
		}
	}
	queue := func(qname string, attrs map[string]string) (url, arn string) {
		var q struct{ QueueUrl string }
		call(&q, "sqs", "CreateQueue", map[string]any{"QueueName": qname, "Attributes": attrs})
		t.Cleanup(func() { sess.call(nil, "sqs", "DeleteQueue", map[string]any{"QueueUrl": q.QueueUrl}) })
		var a struct{ Attributes map[string]string }
		call(&a, "sqs", "GetQueueAttributes", map[string]any{"QueueUrl": q.QueueUrl, "AttributeNames": []string{"QueueArn"}})
		return q.QueueUrl, a.Attributes["QueueArn"]
	}
	dlqURL, dlq := queue(name+"-redrive-dlq", map[string]string{})
	workURL, work := queue(name+"-redrive-work", map[string]string{"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":3}`, dlq)})
	for i := 1; i <= 3; i++ {
		call(nil, "sqs", "SendMessage", map[string]any{"QueueUrl": dlqURL, "MessageBody": fmt.Sprintf("parked %d", i)})
	}
	// Sent to the dead-letter queue directly, so named their destination: SQS cannot tell such a
	// message's source queue (CouldNotDetermineMessageSource).
	var started struct{ TaskHandle string }
	call(&started, "sqs", "StartMessageMoveTask", map[string]any{"SourceArn": dlq, "DestinationArn": work})
	if started.TaskHandle == "" {
		t.Fatal("StartMessageMoveTask gave no TaskHandle")
	}
	var list struct {
		Results []struct {
			Status                           string
			ApproximateNumberOfMessagesMoved int64
		}
	}
	poll.Until(20*time.Second, 200*time.Millisecond, func() bool {
		call(&list, "sqs", "ListMessageMoveTasks", map[string]any{"SourceArn": dlq})
		return len(list.Results) == 1 && list.Results[0].Status != "RUNNING"
	})
	if len(list.Results) != 1 || list.Results[0].Status != "COMPLETED" || list.Results[0].ApproximateNumberOfMessagesMoved != 3 {
		t.Fatalf("ListMessageMoveTasks = %+v, want one task COMPLETED with 3 moved", list.Results)
	}
	var bodies []string
	poll.Until(10*time.Second, 0, func() bool {
		var out struct{ Messages []struct{ Body string } }
		call(&out, "sqs", "ReceiveMessage", map[string]any{"QueueUrl": workURL, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 1, "VisibilityTimeout": 60})
		for _, m := range out.Messages {
			bodies = append(bodies, m.Body)
		}
		return len(bodies) >= 3
	})
	slices.Sort(bodies)
	if strings.Join(bodies, ",") != "parked 1,parked 2,parked 3" {
		t.Errorf("the work queue received %q, want the three parked messages", bodies)
	}
}
