package cloud

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// fixture copies the template package's cloud assembly fixture to a temporary directory, builds the
// recording SQS test function into its asset, and points the function's RECORD_DIR at records.
func fixture(t *testing.T, records string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "cdk.out")
	if out, err := exec.Command("cp", "-r", "../template/testdata/cdk.out", dst).CombinedOutput(); err != nil {
		t.Fatalf("copy fixture: %v %s", err, out)
	}
	tpath := filepath.Join(dst, "Fixture.template.json")
	b, err := os.ReadFile(tpath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tpath, bytes.ReplaceAll(b, []byte("__RECORD_DIR__"), []byte(records)), 0o644); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", filepath.Join(dst, "asset.0123abcd", "bootstrap"), "../esm/testdata/fn")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build function: %v %s", err, out)
	}
	return dst
}

func hostArch() string {
	if runtime.GOARCH == "arm64" {
		return "arm64"
	}
	return "x86_64"
}

type testLog struct{ t *testing.T }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// signedDo sends a request signed by hand for service with cfg's key (the shapes the SDKs do not
// send), its header set on it before the signature (Host replaces the request's when set), and
// returns the answer's status, headers and body.
func signedDo(ctx context.Context, t *testing.T, cfg aws.Config, method, url, service string, header map[string]string, body []byte) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), service, Region, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(out)
}

func TestCloudDeploysFixtureAndStopsEverything(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the emulators")
	}
	records := t.TempDir()
	cdkOut := fixture(t, records)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()

	c, err := Start(ctx, Options{Dir: dir, Log: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close() // idempotent: the test stops it through the control API below
	if err := c.ServeControl(func() { c.Close() }); err != nil {
		t.Fatal(err)
	}
	st, err := ReadState(dir)
	if err != nil || st.Endpoint != c.Endpoint() || st.Pid != os.Getpid() {
		t.Fatalf("state = %+v, %v; want this process at %s", st, err, c.Endpoint())
	}
	if _, err := Start(ctx, Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), "already runs") {
		t.Errorf("second Start in the same dir: %v, want refused", err)
	}

	outputs, err := c.Deploy(ctx, cdkOut, "Fixture")
	if err != nil {
		t.Fatal(err)
	}
	cfg := c.Config()

	t.Run("outputs", func(t *testing.T) {
		for _, k := range []string{"BucketName", "JsonQueueUrl", "JsonQueueName", "ErrorQueueUrl", "CsvQueueUrl", "TopicArn",
			"TableName", "FunctionName", "FaultParameterName", "DashboardName", "ExperimentStateMachineArn"} {
			if outputs[k] == "" {
				t.Errorf("output %s missing", k)
			}
		}
		if outputs["Scenario"] != "flawed" || outputs["FaultParameterName"] != "/Fixture/failureLambdaConfig" {
			t.Errorf("Scenario %q, FaultParameterName %q", outputs["Scenario"], outputs["FaultParameterName"])
		}
		if _, ok := outputs["OnlyResilient"]; ok {
			t.Error("an output whose condition is false was emitted")
		}
		if !strings.HasPrefix(outputs["JsonQueueUrl"], c.Endpoint()) {
			t.Errorf("queue URL %s does not point at the gateway %s", outputs["JsonQueueUrl"], c.Endpoint())
		}
		var file map[string]map[string]string
		b, err := os.ReadFile(filepath.Join(dir, "outputs.json"))
		if err != nil || json.Unmarshal(b, &file) != nil || file["Fixture"]["BucketName"] != outputs["BucketName"] {
			t.Errorf("outputs.json = %s (%v), want {\"Fixture\": {...}}", b, err)
		}
	})

	t.Run("created resources", func(t *testing.T) {
		made := map[string]string{}
		for _, r := range c.Deployment().Created {
			made[r.LogicalID] = r.Type
		}
		for _, id := range []string{"Bucket83908E77", "JsonQueueB3B0E0B7", "ErrorQueue5B4AB4C6", "CsvQueue8F8A1B52", "TopicBFC7AF6E",
			"CsvQueueFixtureTopicSubscription9A1B2C3D", "TableCD117FA1", "FaultParameter6C1F5E2A", "Fn9270CBC0",
			"FnSqsEventSourceFixtureJsonQueue4C6B5D3E", "BucketNotifications8F2E257D", "Dashboard9E4231ED", "Machine9A8B7C6D", "GuardRule5F3A2B1C"} {
			if made[id] == "" {
				t.Errorf("%s not created", id)
			}
		}
	})

	t.Run("recorded resources", func(t *testing.T) {
		rec := map[string]bool{}
		for _, r := range c.Deployment().Recorded {
			rec[r.LogicalID] = true
		}
		for _, id := range []string{"FnServiceRoleB9001A96", "JsonQueuePolicy5A1C2B9E", "BucketNotificationsHandler050a0587b7544547bf325f094a3db8347ECC3691",
			"BucketAutoDeleteObjectsCustomResourceBAFD23C2", "FnLogGroup5E0E2D5C", "CDKMetadata"} {
			if !rec[id] {
				t.Errorf("%s not recorded", id)
			}
		}
	})

	t.Run("S3 notification reaches the function through the queue", func(t *testing.T) {
		s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
		if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(outputs["BucketName"]), Key: aws.String("input/doc.json"),
			Body: strings.NewReader(`{"symbol":"ABCD"}`)}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			if rec, ok := findRecord(t, records, "input/doc.json"); ok {
				if !strings.HasSuffix(rec.EventSourceARN, ":"+outputs["JsonQueueName"]) || rec.EventSource != "aws:sqs" {
					t.Errorf("record from %s (%s), want the JSON queue", rec.EventSourceARN, rec.EventSource)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the function never received the object's notification")
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	// fauxqs parses a body by its type alone: an object stored as a form (curl --data-binary's
	// default type) or as SQS's JSON reached its S3 handler as an object, and the PUT failed with 500.
	t.Run("an S3 object of any Content-Type is stored as its bytes", func(t *testing.T) {
		s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
		bucket := outputs["BucketName"]
		for _, ct := range []string{"application/x-www-form-urlencoded", "application/x-amz-json-1.0", "application/json", "text/plain"} {
			body := "a=1&b=%7B%7D"
			if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("scratch/typed"),
				Body: strings.NewReader(body), ContentType: aws.String(ct)}); err != nil {
				t.Errorf("PutObject as %s: %v", ct, err)
				continue
			}
			out, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("scratch/typed")})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(out.Body)
			out.Body.Close()
			if string(got) != body || aws.ToString(out.ContentType) != ct {
				t.Errorf("stored as %s: %q of type %q, want the bytes put and their type", ct, got, aws.ToString(out.ContentType))
			}
		}
		// SQS and SNS, whose bodies fauxqs must still parse, are served as before.
		if _, err := sqs.NewFromConfig(cfg).ListQueues(ctx, &sqs.ListQueuesInput{}); err != nil {
			t.Errorf("ListQueues after: %v", err)
		}
	})

	t.Run("an object's checksum, kept and answered as S3 does", func(t *testing.T) {
		testObjectChecksums(ctx, t, s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }), outputs["BucketName"])
	})

	// Bucket owner condition through the SDK (the header signed as every client signs it): another
	// account than the local one is 403 AccessDenied, as S3 answers it; the emulator ignored it.
	t.Run("an S3 request expecting another bucket owner is AccessDenied", func(t *testing.T) {
		s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
		bucket := outputs["BucketName"]
		if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("scratch/owned"),
			Body: strings.NewReader("x"), ExpectedBucketOwner: aws.String(AccountID)}); err != nil {
			t.Fatalf("PutObject expecting the local account: %v", err)
		}
		for owner, want := range map[string]int{AccountID: 200, "111111111111": 403} {
			var status int
			_, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("scratch/owned"), ExpectedBucketOwner: aws.String(owner)})
			var re *awshttp.ResponseError
			if errors.As(err, &re) {
				status = re.HTTPStatusCode()
			} else if err == nil {
				status = 200
			}
			if status != want {
				t.Errorf("HeadObject expecting owner %s: %v, want %d", owner, err, want)
			}
			_, err = s3c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), ExpectedBucketOwner: aws.String(owner)})
			var ae smithy.APIError
			if got := err == nil; got != (want == 200) || !got && (!errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied") {
				t.Errorf("ListObjectsV2 expecting owner %s: %v, want %d", owner, err, want)
			}
			// A presigned URL carries the condition in its query (the SDK hoists the header).
			pre, err := s3.NewPresignClient(s3c).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("scratch/owned"), ExpectedBucketOwner: aws.String(owner)})
			if err != nil || !strings.Contains(strings.ToLower(pre.URL), "x-amz-expected-bucket-owner="+owner) {
				t.Fatalf("presigned GetObject expecting owner %s: %v, %v; want the condition in the query", owner, pre, err)
			}
			got, err := http.Get(pre.URL)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(got.Body)
			got.Body.Close()
			if got.StatusCode != want || want == 403 && !strings.Contains(string(body), "<Code>AccessDenied</Code>") {
				t.Errorf("presigned GetObject expecting owner %s: %s %s, want %d (AccessDenied)", owner, got.Status, body, want)
			}
		}
	})

	t.Run("S3 requests the emulator would answer as another operation are refused", func(t *testing.T) {
		s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
		bucket := outputs["BucketName"]
		if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("output/x.csv"),
			Body: strings.NewReader("a,b")}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ method, target, host string }{
			{"POST", "/" + bucket + "/input/doc.json?select", ""}, // was DeleteObjects of the body's keys
			{"DELETE", "/" + bucket + "/output/x.csv?tagging", ""},
			{"DELETE", "/output/x.csv", bucket + ".s3.local"}, // was the Host's bucket
		} {
			var header map[string]string
			if tc.host != "" {
				header = map[string]string{"Host": tc.host}
			}
			status, _, out := signedDo(ctx, t, cfg, tc.method, c.Endpoint()+tc.target, "s3", header,
				[]byte(`<Delete><Object><Key>output/x.csv</Key></Object></Delete>`))
			if status != http.StatusNotImplemented || !strings.Contains(out, "NotImplemented") {
				t.Errorf("%s %s (Host %q): %d %s, want 501 NotImplemented", tc.method, tc.target, tc.host, status, out)
			}
			if _, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("output/x.csv")}); err != nil {
				t.Errorf("after %s %s: the object is gone: %v", tc.method, tc.target, err)
			}
		}
	})

	// fauxqs serves S3, SQS and SNS on one port, telling them apart by the request's shape, while the
	// gateway routes and IAM decides by the credential scope's service: a request signed for one and
	// shaped as another's was served as the other's, past its policies (an object read with a
	// request signed for sqs). Each is refused now, and the same request signed for its own service
	// is served (the control: the refusal is the scope's).
	t.Run("a request signed for one service and shaped as another's is refused", func(t *testing.T) {
		send := func(method, target, service, contentType string, header map[string]string, body []byte) (int, string) {
			t.Helper()
			h := map[string]string{}
			maps.Copy(h, header)
			if contentType != "" {
				h["Content-Type"] = contentType
			}
			status, _, out := signedDo(ctx, t, cfg, method, c.Endpoint()+target, service, h, body)
			return status, out
		}
		s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
		sqsc := sqs.NewFromConfig(cfg)
		bucket := outputs["BucketName"]
		const secret = "scope-probe-secret"
		if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("scratch/scoped"),
			Body: strings.NewReader(secret)}); err != nil {
			t.Fatal(err)
		}
		q, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("scope-probe")})
		if err != nil {
			t.Fatal(err)
		}
		sendMessage := []byte(`{"QueueUrl":"` + aws.ToString(q.QueueUrl) + `","MessageBody":"forged"}`)
		sqsJSON := map[string]string{"X-Amz-Target": "AmazonSQS.SendMessage"}
		for _, tc := range []struct {
			what, method, target, service, contentType string
			header                                     map[string]string
			body                                       []byte
			status                                     int
			code                                       string
		}{
			{what: "GetObject signed for sqs", method: "GET", target: "/" + bucket + "/scratch/scoped", service: "sqs", status: 400, code: "InvalidAction"},
			{what: "GetObject signed for sqs with an SQS target", method: "GET", target: "/" + bucket + "/scratch/scoped", service: "sqs",
				header: map[string]string{"X-Amz-Target": "AmazonSQS.ReceiveMessage"}, status: 400, code: "InvalidAction"},
			{what: "GetObject signed for sns", method: "GET", target: "/" + bucket + "/scratch/scoped", service: "sns", status: 400, code: "InvalidAction"},
			{what: "PutObject signed for sns", method: "PUT", target: "/" + bucket + "/input/forged.json", service: "sns",
				contentType: "application/json", body: []byte(`{"symbol":"X"}`), status: 400, code: "InvalidAction"},
			{what: "SendMessage signed for sns", method: "POST", target: "/", service: "sns", contentType: "application/x-amz-json-1.0",
				header: sqsJSON, body: sendMessage, status: 400, code: "InvalidAction"},
			{what: "SendMessage signed for s3", method: "POST", target: "/", service: "s3", contentType: "application/x-amz-json-1.0",
				header: sqsJSON, body: sendMessage, status: 405, code: "MethodNotAllowed"},
			{what: "SNS ListTopics signed for s3", method: "POST", target: "/", service: "s3",
				contentType: "application/x-www-form-urlencoded", body: []byte("Action=ListTopics&Version=2010-03-31"), status: 405, code: "MethodNotAllowed"},
			{what: "STS GetCallerIdentity signed for sns", method: "POST", target: "/", service: "sns",
				contentType: "application/x-www-form-urlencoded", body: []byte("Action=GetCallerIdentity&Version=2011-06-15"), status: 400, code: "InvalidAction"},
			{what: "the emulator's own page signed for s3", method: "GET", target: "/health", service: "s3", status: 405, code: "MethodNotAllowed"},
			// fauxqs keeps the last of two Actions and splits at ';', where Go keeps the first and
			// refuses ';': a form the two could read apart is refused.
			{what: "two Actions signed for sns", method: "POST", target: "/", service: "sns", contentType: "application/x-www-form-urlencoded",
				body: []byte("Action=ListTopics&Action=GetCallerIdentity&Version=2011-06-15"), status: 400, code: "InvalidAction"},
			{what: "a form with ';' signed for sns", method: "POST", target: "/", service: "sns", contentType: "application/x-www-form-urlencoded",
				body: []byte("x=a;Action=GetCallerIdentity&Version=2011-06-15"), status: 400, code: "InvalidAction"},
		} {
			status, out := send(tc.method, tc.target, tc.service, tc.contentType, tc.header, tc.body)
			if status != tc.status || !strings.Contains(out, tc.code) || !strings.Contains(out, "signed for "+tc.service) || strings.Contains(out, secret) {
				t.Errorf("%s: %d %s, want %d %s naming the scope, and not the object", tc.what, status, out, tc.status, tc.code)
			}
		}
		if _, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("input/forged.json")}); err == nil {
			t.Error("the PutObject signed for sns stored its object")
		}
		got, err := sqsc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10})
		if err != nil || len(got.Messages) != 0 {
			t.Errorf("the queue after the forged sends: %d messages (%v), want none", len(got.Messages), err)
		}
		// The controls: each request signed for its own service is served.
		if status, out := send("GET", "/"+bucket+"/scratch/scoped", "s3", "", nil, nil); status != 200 || out != secret {
			t.Errorf("GetObject signed for s3: %d %s", status, out)
		}
		if status, out := send("POST", "/", "sqs", "application/x-amz-json-1.0", sqsJSON, sendMessage); status != 200 || !strings.Contains(out, "MessageId") {
			t.Errorf("SendMessage signed for sqs: %d %s", status, out)
		}
		if status, out := send("POST", "/", "sns", "application/x-www-form-urlencoded", nil, []byte("Action=ListTopics&Version=2010-03-31")); status != 200 || !strings.Contains(out, "ListTopicsResponse") {
			t.Errorf("ListTopics signed for sns: %d %s", status, out)
		}
		if _, err := sqsc.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: q.QueueUrl}); err != nil {
			t.Error(err)
		}
	})

	// `aws sts get-caller-identity`, a user's first check of a shell's credentials: the user's key is
	// the account's root user, a sandbox's key its role's session, whatever the role's policies say
	// (GetCallerIdentity needs no permission).
	t.Run("sts GetCallerIdentity names the key's principal", func(t *testing.T) {
		out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil || aws.ToString(out.Arn) != PrincipalAccount || aws.ToString(out.Account) != AccountID || aws.ToString(out.UserId) != AccountID {
			t.Errorf("the user's key: %+v %v", out, err)
		}
		k := c.keys.RoleSessionKey("arn:aws:iam::"+AccountID+":role/FnServiceRole", "Fixture-Fn")
		role := cfg.Copy()
		role.Credentials = credentials.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, k.SessionToken)
		out, err = sts.NewFromConfig(role).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if want := "arn:aws:sts::" + AccountID + ":assumed-role/FnServiceRole/Fixture-Fn"; err != nil || aws.ToString(out.Arn) != want ||
			!strings.HasPrefix(aws.ToString(out.UserId), "AROA") || !strings.HasSuffix(aws.ToString(out.UserId), ":Fixture-Fn") {
			t.Errorf("a role's session: %+v %v, want %s", out, err, want)
		}
		if _, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + AccountID + ":role/FnServiceRole"),
			RoleSessionName: aws.String("x")}); err == nil || !strings.Contains(err.Error(), "InvalidAction") {
			t.Errorf("AssumeRole: %v, want InvalidAction", err)
		}
	})

	// One answer, one id: a client logs the header, a support case quotes the body.
	t.Run("an S3 error's request id is its header's", func(t *testing.T) {
		for _, target := range []string{"/" + outputs["BucketName"] + "/no/such/key", "/no-such-bucket-here/key"} {
			status, header, out := signedDo(ctx, t, cfg, "GET", c.Endpoint()+target, "s3", nil, nil)
			m := regexp.MustCompile(`<RequestId>([^<]+)</RequestId>`).FindStringSubmatch(out)
			if status != 404 || m == nil || header.Get("X-Amz-Request-Id") != m[1] {
				t.Errorf("GET %s: %d, x-amz-request-id %q, body %s: want 404 and the body's id in the header", target, status, header.Get("X-Amz-Request-Id"), out)
			}
		}
	})

	t.Run("Lambda Invoke API through the gateway", func(t *testing.T) {
		status, header, out := signedDo(ctx, t, cfg, "POST", c.Endpoint()+"/2015-03-31/functions/"+outputs["FunctionName"]+"/invocations",
			"lambda", nil, []byte(`{"Records":[]}`))
		if status != 200 || header.Get("X-Amz-Function-Error") != "" || !strings.Contains(out, "batchItemFailures") {
			t.Errorf("invoke: %d %q %s", status, header.Get("X-Amz-Function-Error"), out)
		}
	})

	t.Run("AWS/Lambda metrics readable with the CloudWatch SDK", func(t *testing.T) {
		cw := cloudwatch.NewFromConfig(cfg)
		// samples of the metric of the function, or of the account (no dimensions).
		samples := func(name string, dims []cwtypes.Dimension) float64 {
			out, err := cw.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{
				Namespace: aws.String("AWS/Lambda"), MetricName: aws.String(name), Dimensions: dims,
				StartTime: aws.Time(time.Now().Add(-5 * time.Minute)), EndTime: aws.Time(time.Now().Add(time.Minute)),
				Period: aws.Int32(600), Statistics: []cwtypes.Statistic{cwtypes.StatisticSampleCount, cwtypes.StatisticSum},
			})
			if err != nil {
				t.Fatalf("GetMetricStatistics %s: %v", name, err)
			}
			var n float64
			for _, dp := range out.Datapoints {
				n += aws.ToFloat64(dp.SampleCount)
			}
			return n
		}
		fn := []cwtypes.Dimension{{Name: aws.String("FunctionName"), Value: aws.String(outputs["FunctionName"])}}
		for _, name := range []string{"Invocations", "Duration", "ConcurrentExecutions"} {
			n := samples(name, fn)
			if n < 2 { // the S3 test event, the document, and the direct invoke
				t.Errorf("%s: %v samples, want at least 2", name, n)
			}
			// The account's, as CDK's Function.metricAllInvocations() reads it: every function's, and
			// the fixture has this one only, so as many, not twice as many.
			// (An invocation between the reads may add one: bounded by the function's read again.)
			if all, again := samples(name, nil), samples(name, fn); all < n || all > again {
				t.Errorf("%s of the account: %v samples, want the function's %v to %v (the cloud's one function)", name, all, n, again)
			}
		}
	})

	t.Run("table, parameter and state machine exist", func(t *testing.T) {
		if _, err := dynamodb.NewFromConfig(cfg).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(outputs["TableName"])}); err != nil {
			t.Errorf("DescribeTable: %v", err)
		}
		p, err := ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(outputs["FaultParameterName"])})
		if err != nil || aws.ToString(p.Parameter.Value) != `{"isEnabled": false}` {
			t.Errorf("GetParameter: %v %v", p, err)
		}
		sc := sfn.NewFromConfig(cfg)
		ex, err := sc.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(outputs["ExperimentStateMachineArn"]), Input: aws.String("{}")})
		if err != nil {
			t.Fatalf("StartExecution: %v", err)
		}
		for {
			d, err := sc.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn})
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != "RUNNING" {
				if d.Status != "SUCCEEDED" || !strings.Contains(aws.ToString(d.Output), `isEnabled`) {
					t.Errorf("execution %s output %s", d.Status, aws.ToString(d.Output))
				}
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	t.Run("a table's ARN is this region's, and names the table in a transaction", func(t *testing.T) {
		ddb := dynamodb.NewFromConfig(cfg)
		d, err := ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(outputs["TableName"])})
		if err != nil {
			t.Fatal(err)
		}
		arn := aws.ToString(d.Table.TableArn)
		if want := "arn:aws:dynamodb:" + Region + ":" + AccountID + ":table/" + outputs["TableName"]; arn != want {
			t.Errorf("TableArn = %s, want %s (DynamoDB Local's region is ddblocal)", arn, want)
		}
		// An item of the table's key, whatever its schema: each key attribute a string or a number.
		key := map[string]ddbtypes.AttributeValue{}
		for _, k := range d.Table.KeySchema {
			for _, def := range d.Table.AttributeDefinitions {
				if aws.ToString(def.AttributeName) != aws.ToString(k.AttributeName) {
					continue
				}
				if def.AttributeType == ddbtypes.ScalarAttributeTypeN {
					key[aws.ToString(k.AttributeName)] = &ddbtypes.AttributeValueMemberN{Value: "7"}
				} else {
					key[aws.ToString(k.AttributeName)] = &ddbtypes.AttributeValueMemberS{Value: "ARNTX"}
				}
			}
		}
		// The ARN DescribeTable gave, given back where DynamoDB takes one: a transaction's items.
		if _, err := ddb.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{
			{Put: &ddbtypes.Put{TableName: aws.String(arn), Item: key}}}}); err != nil {
			t.Fatalf("TransactWriteItems naming the table by its ARN: %v", err)
		}
		got, err := ddb.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []ddbtypes.TransactGetItem{
			{Get: &ddbtypes.Get{TableName: aws.String(arn), Key: key}}}})
		if err != nil || len(got.Responses) != 1 || len(got.Responses[0].Item) != len(key) {
			t.Errorf("TransactGetItems naming the table by its ARN: %+v, %v; want the item put", got, err)
		}
		if _, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(arn), Key: key}); err != nil {
			t.Errorf("GetItem by the ARN: %v", err)
		}
	})

	t.Run("a table's encryption and point-in-time recovery, as DynamoDB answers them", func(t *testing.T) {
		ddb := dynamodb.NewFromConfig(cfg)
		schema := func(name string, sse *ddbtypes.SSESpecification) *dynamodb.CreateTableInput {
			return &dynamodb.CreateTableInput{TableName: aws.String(name), BillingMode: ddbtypes.BillingModePayPerRequest, SSESpecification: sse,
				KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("k"), KeyType: ddbtypes.KeyTypeHash}},
				AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("k"), AttributeType: ddbtypes.ScalarAttributeTypeS}}}
		}
		if _, err := ddb.CreateTable(ctx, schema("sse-kms", &ddbtypes.SSESpecification{Enabled: aws.Bool(true), SSEType: ddbtypes.SSETypeKms})); err != nil {
			t.Fatal(err)
		}
		if _, err := ddb.CreateTable(ctx, schema("sse-owned", nil)); err != nil {
			t.Fatal(err)
		}
		kms, err := ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("sse-kms")})
		if err != nil || kms.Table.SSEDescription == nil || kms.Table.SSEDescription.Status != ddbtypes.SSEStatusEnabled ||
			kms.Table.SSEDescription.SSEType != ddbtypes.SSETypeKms || !strings.HasPrefix(aws.ToString(kms.Table.SSEDescription.KMSMasterKeyArn), "arn:aws:kms:"+Region+":"+AccountID+":key/") {
			t.Errorf("DescribeTable of a KMS-encrypted table: %+v, %v; want its SSEDescription, the account's managed key", kms, err)
		}
		if owned, err := ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("sse-owned")}); err != nil || owned.Table.SSEDescription != nil ||
			len(aws.ToString(owned.Table.TableId)) != 36 || aws.ToString(owned.Table.TableId) == aws.ToString(kms.Table.TableId) {
			t.Errorf("DescribeTable of a table with DynamoDB's own key: %+v, %v; want no SSEDescription, a TableId of its own", owned, err)
		}
		pitr := func(name string) (string, error) {
			out, err := ddb.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String(name)})
			if err != nil {
				return "", err
			}
			return string(out.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus), nil
		}
		if got, err := pitr("sse-owned"); got != "DISABLED" || err != nil {
			t.Errorf("point-in-time recovery of a new table: %q, %v; want DISABLED", got, err)
		}
		if _, err := ddb.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{TableName: aws.String("sse-owned"),
			PointInTimeRecoverySpecification: &ddbtypes.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)}}); err != nil {
			t.Fatal(err)
		}
		if got, err := pitr("sse-owned"); got != "ENABLED" || err != nil {
			t.Errorf("point-in-time recovery switched on: %q, %v; want ENABLED", got, err)
		}
		for _, name := range []string{"sse-kms", "sse-owned"} {
			if _, err := ddb.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
				t.Fatal(err)
			}
		}
		var nf *ddbtypes.TableNotFoundException
		if _, err := pitr("sse-owned"); !errors.As(err, &nf) {
			t.Errorf("point-in-time recovery of a deleted table: %v, want TableNotFoundException", err)
		}
	})

	t.Run("DynamoDB's words for DynamoDB Local's errors", func(t *testing.T) {
		ddb := dynamodb.NewFromConfig(cfg)
		var rnf *ddbtypes.ResourceNotFoundException
		_, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("no-such-table"),
			Key: map[string]ddbtypes.AttributeValue{"k": &ddbtypes.AttributeValueMemberS{Value: "x"}}})
		if !errors.As(err, &rnf) || aws.ToString(rnf.Message) != "Requested resource not found: Table: no-such-table not found" {
			t.Errorf("GetItem of no table: %v, want ResourceNotFoundException, DynamoDB's message", err)
		}
		// The fixture's table has a partition and a sort key: a key of one is not the table's.
		_, err = ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(outputs["TableName"]),
			Key: map[string]ddbtypes.AttributeValue{"symbol": &ddbtypes.AttributeValueMemberS{Value: "x"}}})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" || ae.ErrorMessage() != "The provided key element does not match the schema" {
			t.Errorf("GetItem with half the key: %v, want ValidationException, DynamoDB's message", err)
		}
		// A success passes as it was.
		if _, err := ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(outputs["TableName"])}); err != nil {
			t.Errorf("DescribeTable: %v", err)
		}
	})

	t.Run("redeploy from another process's view: control API", func(t *testing.T) {
		var progress strings.Builder
		again, err := RemoteDeploy(ctx, dir, cdkOut, "Fixture", &progress)
		if err != nil {
			t.Fatal(err)
		}
		// The same template again: one line, not the resource list once more.
		if p := progress.String(); !strings.Contains(p, "Fixture deployed") || !strings.Contains(p, "the same template as an earlier deploy") ||
			strings.Contains(p, "  created ") || strings.Contains(p, "  recorded ") {
			t.Errorf("progress = %q", p)
		}
		if again["JsonQueueUrl"] != outputs["JsonQueueUrl"] {
			t.Errorf("names changed across deploys: %s then %s", outputs["JsonQueueUrl"], again["JsonQueueUrl"])
		}
		q, err := sqs.NewFromConfig(cfg).GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(again["JsonQueueUrl"]),
			AttributeNames: []sqstypes.QueueAttributeName{"ApproximateNumberOfMessages"}})
		if err != nil {
			t.Fatal(err)
		}
		if n := q.Attributes["ApproximateNumberOfMessages"]; n != "0" {
			t.Errorf("redeployed queue holds %s messages, want a fresh queue", n)
		}
	})

	pids := c.Pids()
	if len(pids) < 2 {
		t.Fatalf("pids = %v, want the emulators at least", pids)
	}
	endpoint := c.Endpoint()
	if err := Stop(ctx, dir); err != nil {
		t.Errorf("Stop: %v", err)
	}
	for _, pid := range pids {
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("pid %d still running after Close", pid)
		}
	}
	if conn, err := net.DialTimeout("tcp", strings.TrimPrefix(endpoint, "http://"), time.Second); err == nil {
		conn.Close()
		t.Errorf("%s still accepts connections after Close", endpoint)
	}
	if _, err := ReadState(dir); !errors.Is(err, ErrNotRunning) {
		t.Errorf("state after Close: %v, want ErrNotRunning", err)
	}
}

// findRecord looks through the function's recorded events for an S3 notification naming key.
func findRecord(t *testing.T, dir, key string) (events.SQSMessage, bool) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var ev events.SQSEvent
		if json.Unmarshal(b, &ev) != nil {
			continue
		}
		for _, r := range ev.Records {
			if strings.Contains(r.Body, key) {
				return r, true
			}
		}
	}
	return events.SQSMessage{}, false
}
