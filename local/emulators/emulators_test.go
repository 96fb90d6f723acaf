package emulators_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/chaoslab/serverless-chaos-lab/internal/proctest"
	"github.com/chaoslab/serverless-chaos-lab/local/emulators"
	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

var creds = credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", "")

// assertGone checks the process group is dead and its address no longer accepts connections.
func assertGone(t *testing.T, p *emulators.Process) {
	t.Helper()
	select {
	case <-p.Exited():
	case <-time.After(10 * time.Second):
		t.Fatalf("%s (pid %d) did not exit", p.Name, p.Pid())
	}
	if err := syscall.Kill(-p.Pid(), 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("%s process group %d still has members (kill 0: %v)", p.Name, p.Pid(), err)
	}
	if a := p.Addr(); a != "" {
		if c, err := net.DialTimeout("tcp", a, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still listening on %s", p.Name, a)
		}
	}
	if s := p.Socket(); s != "" {
		if _, err := os.Stat(s); !os.IsNotExist(err) {
			t.Errorf("%s socket %s left behind", p.Name, s)
		}
	}
}

func TestEmulatorsBehindTheGateway(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts the real emulators")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run := t.TempDir()

	// Start both at once: the JVM start dominates.
	type started struct {
		p   *emulators.Process
		err error
	}
	ddbc := make(chan started, 1)
	go func() {
		// JavaOptions come after the lab's own JVM flags, so the full JIT asked for here wins.
		p, err := emulators.StartDynamoDB(ctx, emulators.Options{RunDir: run, JavaOptions: []string{"-XX:TieredStopAtLevel=4"}})
		ddbc <- started{p, err}
	}()
	fq, err := emulators.StartFauxqs(ctx, emulators.Options{RunDir: run})
	if err != nil {
		t.Fatal(err)
	}
	defer fq.Stop()
	ds := <-ddbc
	if ds.err != nil {
		t.Fatal(ds.err)
	}
	ddb := ds.p
	defer ddb.Stop()

	if h, _, _ := net.SplitHostPort(fq.Addr()); h != "127.0.0.1" {
		t.Errorf("fauxqs on %s, want 127.0.0.1", fq.Addr())
	}

	g := gateway.New(gateway.Options{})
	g.ProxyTo("sqs", gateway.Upstream{URL: fq.Endpoint(), Header: fq.Header()})
	g.Proxy("dynamodb", ddb.Endpoint(), ddb.Dial)
	addr, err := g.Listen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	endpoint := aws.String("http://" + addr)

	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{name: "sqs on fauxqs: queue URLs point back at the gateway", run: func(t *testing.T) {
			c := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: endpoint, Credentials: creds})
			q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("work")})
			if err != nil {
				t.Fatal(err)
			}
			if want := "http://" + addr + "/000000000000/work"; aws.ToString(q.QueueUrl) != want {
				t.Errorf("QueueUrl = %s, want %s", aws.ToString(q.QueueUrl), want)
			}
			if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("hi")}); err != nil {
				t.Fatal(err)
			}
			r, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, WaitTimeSeconds: 1})
			if err != nil || len(r.Messages) != 1 || aws.ToString(r.Messages[0].Body) != "hi" {
				t.Fatalf("ReceiveMessage = %+v, %v", r, err)
			}
			// SQS allows #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF: the
			// last range too (fauxqs's check, mended as it loads, refused it), alone and in a batch;
			// U+FFFE is still refused.
			wide := "snow ☃, smile 😀, last \U0010FFFF"
			if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String(wide)}); err != nil {
				t.Fatalf("SendMessage of %q: %v", wide, err)
			}
			b, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: q.QueueUrl, Entries: []sqstypes.SendMessageBatchRequestEntry{
				{Id: aws.String("wide"), MessageBody: aws.String(wide)}, {Id: aws.String("fffe"), MessageBody: aws.String("no \uFFFE")}}})
			if err != nil || len(b.Successful) != 1 || aws.ToString(b.Successful[0].Id) != "wide" || len(b.Failed) != 1 || aws.ToString(b.Failed[0].Code) != "InvalidMessageContents" {
				t.Fatalf("SendMessageBatch = %+v, %v; want wide sent and fffe refused as InvalidMessageContents", b, err)
			}
			var got []string
			for deadline := time.Now().Add(10 * time.Second); len(got) < 2 && time.Now().Before(deadline); {
				r, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10})
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range r.Messages {
					got = append(got, aws.ToString(m.Body))
				}
			}
			if len(got) != 2 || got[0] != wide || got[1] != wide {
				t.Errorf("received %q, want %q twice", got, wide)
			}
		}},
		{name: "dynamodb local through its namespace socket", run: func(t *testing.T) {
			c := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: endpoint, Credentials: creds})
			_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("table"), BillingMode: ddbtypes.BillingModePayPerRequest,
				AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
				KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("table"), Item: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "a"}},
				ConditionExpression: aws.String("attribute_not_exists(pk)")})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("table"), Item: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "a"}},
				ConditionExpression: aws.String("attribute_not_exists(pk)")})
			var ccf *ddbtypes.ConditionalCheckFailedException
			if !errors.As(err, &ccf) {
				t.Errorf("second conditional put = %v, want ConditionalCheckFailedException", err)
			}
		}},
		{name: "nobody else gets in", run: func(t *testing.T) {
			// fauxqs's port is open to the machine: a request without the secret is refused.
			resp, err := http.Get(fq.Endpoint().String() + "/health")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("fauxqs without the secret: %s, want 403", resp.Status)
			}
			for name, get := range map[string]func() (*http.Response, error){
				"SecretURL":  func() (*http.Response, error) { return http.Get(fq.SecretURL().String() + "/health") },
				"HTTPClient": func() (*http.Response, error) { return fq.HTTPClient().Get(fq.Endpoint().String() + "/health") },
			} {
				resp, err := get()
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("fauxqs with the secret (%s): %s, want 200", name, resp.Status)
				}
			}
			// DynamoDB's socket is in a directory only this user can enter, and a connection
			// without the secret is closed before it reaches DynamoDB Local.
			if st, err := os.Stat(filepath.Dir(ddb.Socket())); err != nil || st.Mode().Perm() != 0o700 {
				t.Errorf("socket directory %s: %v %v, want 0700", filepath.Dir(ddb.Socket()), st.Mode(), err)
			}
			c, err := net.Dial("unix", ddb.Socket())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n\r\n{}")
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			if b, err := io.ReadAll(c); len(b) > 0 || err != nil {
				t.Errorf("DynamoDB socket without the secret answered %q (%v), want the connection closed", b, err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}

	// A loopback relay makes DynamoDB Local reachable by URL alone (for clients given only an endpoint).
	relay, err := ddb.Loopback()
	if err != nil {
		t.Fatal(err)
	}
	if h, _, _ := net.SplitHostPort(relay); h != "127.0.0.1" || ddb.Endpoint().Host != relay {
		t.Fatalf("relay on %s, endpoint %s", relay, ddb.Endpoint())
	}
	direct := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(ddb.Endpoint().String()), Credentials: creds})
	if tables, err := direct.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil || len(tables.TableNames) != 1 {
		t.Errorf("ListTables through the relay = %+v, %v", tables, err)
	}

	// SIGKILL to unshare alone (what a crash of the local cloud amounts to, through Pdeathsig):
	// the namespace's node gets --kill-child's SIGKILL, and the JVM dies with its PID namespace.
	tree := proctest.Descendants(ddb.Pid())
	if len(tree) < 3 {
		t.Errorf("DynamoDB's process tree %v: want unshare, node and java", tree)
	}
	if args := javaArgs(tree); strings.Join(args, " ") == "" {
		t.Errorf("no java in DynamoDB's process tree %v", tree)
	} else if c1, c2 := slices.Index(args, "-XX:TieredStopAtLevel=1"), slices.Index(args, "-XX:TieredStopAtLevel=4"); c1 < 0 || c2 < c1 {
		t.Errorf("java %q: want the JavaOptions (-XX:TieredStopAtLevel=4) after the default -XX:TieredStopAtLevel=1", args)
	}
	syscall.Kill(ddb.Pid(), syscall.SIGKILL)
	proctest.WaitGone(t, tree, 10*time.Second)
	// The orphaned node is reaped by PID 1 of this machine, in its own time.
	for deadline := time.Now().Add(10 * time.Second); syscall.Kill(-ddb.Pid(), 0) == nil && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}

	g.Close()
	fq.Stop()
	ddb.Stop()
	assertGone(t, fq)
	assertGone(t, ddb)
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("gateway still listening on %s", addr)
	}
}

// javaArgs is the command line of the java process among procs, or nil.
func javaArgs(procs []proctest.Proc) []string {
	for _, p := range procs {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(p.Pid) + "/cmdline")
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		if filepath.Base(args[0]) == "java" {
			return args
		}
	}
	return nil
}
