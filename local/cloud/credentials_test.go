package cloud

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
	"github.com/chaoslab/serverless-chaos-lab/local/emulators"
	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// principals records which principal made which call, as an Authorize hook sees them.
type principals struct {
	mu   sync.Mutex
	seen map[string]map[string]bool // principal -> "service op"
}

func (p *principals) authorize(r *http.Request, principal string) error {
	if got, ok := gateway.PrincipalFrom(r.Context()); !ok || got != principal {
		return fmt.Errorf("PrincipalFrom = %q, %v; the hook got %q", got, ok, principal)
	}
	op := r.Header.Get("X-Amz-Target")
	if op == "" {
		op = r.Method + " " + r.URL.Path
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen[principal] == nil {
		p.seen[principal] = map[string]bool{}
	}
	p.seen[principal][gateway.SigningName(r)+" "+op] = true
	return nil
}

func (p *principals) made(principal, call string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.seen[principal] {
		if strings.HasPrefix(c, call) {
			return true
		}
	}
	return false
}

func (p *principals) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for who, calls := range p.seen {
		fmt.Fprintf(&b, "%s:", who)
		for c := range calls {
			fmt.Fprintf(&b, " [%s]", c)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func startCloud(t *testing.T, opts Options) *Cloud {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := Start(ctx, opts)
	if errors.Is(err, emulators.ErrUnavailable) {
		testenv.Require(t, "the local cloud's emulators (npm ci; Java 17; unprivileged user namespaces)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestKeysAndPrincipals: a start makes the user a key of its own (state file, credentials file,
// Env), the gateway takes no other, and each call reaches the Authorize hook as the principal that
// makes it in AWS.
func TestKeysAndPrincipals(t *testing.T) {
	testenv.SkipIfShort(t, "starts the local cloud and deploys the fixture")
	records := t.TempDir()
	cdkOut := fixture(t, records)
	dir := t.TempDir()
	seen := &principals{seen: map[string]map[string]bool{}}
	c := startCloud(t, Options{Dir: dir, Log: testLog{t}, Authorize: seen.authorize})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	key := c.Credentials()
	if !strings.HasPrefix(key.AccessKeyID, "AKIA") || len(key.AccessKeyID) != 20 || len(key.SecretAccessKey) != 40 {
		t.Errorf("user key %+v, want AKIA + 16 characters and a 40-character secret", key)
	}
	st, err := ReadState(dir)
	if err != nil || st.Credentials() != key {
		t.Errorf("state file's key %+v (%v), want %+v", st.Credentials(), err, key)
	}
	for _, f := range []string{statePath(dir), credentialsPath(dir)} {
		info, err := os.Stat(f)
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want 0600", f, info.Mode(), err)
		}
	}
	if b, _ := os.ReadFile(credentialsPath(dir)); !bytes.Contains(b, []byte("aws_access_key_id = "+key.AccessKeyID)) ||
		!bytes.Contains(b, []byte("aws_secret_access_key = "+key.SecretAccessKey)) {
		t.Errorf("credentials file:\n%s", b)
	}
	env := strings.Join(c.Env(), "\n")
	for _, want := range []string{"AWS_ACCESS_KEY_ID=" + key.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + key.SecretAccessKey, "AWS_ENDPOINT_URL=" + c.Endpoint()} {
		if !strings.Contains(env, want) {
			t.Errorf("Env lacks %s:\n%s", want, env)
		}
	}

	outputs, err := c.Deploy(ctx, cdkOut, "Fixture")
	if err != nil {
		t.Fatal(err)
	}
	cfg := c.Config()

	t.Run("other keys are refused", func(t *testing.T) {
		for name, creds := range map[string]aws.CredentialsProvider{
			"the old fixed key":   credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", ""),
			"a wrong secret":      credentials.NewStaticCredentialsProvider(key.AccessKeyID, strings.Repeat("x", 40), ""),
			"another start's key": credentials.NewStaticCredentialsProvider("AKIAAAAAAAAAAAAAAAAA", key.SecretAccessKey, ""),
		} {
			bad := cfg.Copy()
			bad.Credentials = creds
			_, err := sqs.NewFromConfig(bad).GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(outputs["JsonQueueName"])})
			var ae smithy.APIError
			if !errors.As(err, &ae) || (ae.ErrorCode() != "InvalidClientTokenId" && ae.ErrorCode() != "SignatureDoesNotMatch") {
				t.Errorf("%s: %v, want InvalidClientTokenId or SignatureDoesNotMatch", name, err)
			}
		}
	})

	// The S3 notification reaches the function through the queue; the state machine reads the
	// fault parameter with an aws-sdk Task.
	if _, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(outputs["BucketName"]), Key: aws.String("input/p.json"), Body: strings.NewReader(`{}`)}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if _, ok := findRecord(t, records, "input/p.json"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the function never received the object's notification")
		}
		time.Sleep(100 * time.Millisecond)
	}
	sc := sfn.NewFromConfig(cfg)
	ex, err := sc.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(outputs["ExperimentStateMachineArn"]), Input: aws.String("{}")})
	if err != nil {
		t.Fatal(err)
	}
	for {
		d, err := sc.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != "RUNNING" {
			if d.Status != "SUCCEEDED" {
				t.Errorf("execution %s: %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
			}
			break
		}
		time.Sleep(100 * time.Millisecond)
	}

	t.Run("who made each call", func(t *testing.T) {
		machineRole, fnRole := "", ""
		for who := range seen.seen {
			if strings.HasPrefix(who, "arn:aws:iam::"+AccountID+":role/") && strings.Contains(who, "MachineRole") {
				machineRole = who
			}
			if strings.HasPrefix(who, "arn:aws:iam::"+AccountID+":role/") && strings.Contains(who, "FnServiceRole") {
				fnRole = who
			}
		}
		for _, c := range []struct{ principal, call string }{
			{PrincipalAccount, "s3 PUT /" + outputs["BucketName"] + "/input/p.json"}, // the user
			{PrincipalAccount, "sqs AmazonSQS.CreateQueue"},                          // the deploy, as the user
			{PrincipalS3, "sqs AmazonSQS.SendMessage"},                               // the notification
			{fnRole, "sqs AmazonSQS.ReceiveMessage"},                                 // the event source mapping, as the function's role
			{fnRole, "sqs AmazonSQS.DeleteMessageBatch"},
			{machineRole, "ssm AmazonSSM.GetParameter"}, // the aws-sdk Task
		} {
			if c.principal == "" || !seen.made(c.principal, c.call) {
				t.Errorf("no %q as %q; seen:\n%s", c.call, c.principal, seen)
			}
		}
	})

	fn := outputs["FunctionName"]
	pids := c.Lambda().Pids(fn)
	if len(pids) == 0 {
		t.Fatalf("function %s has no sandbox", fn)
	}
	environ := readEnviron(t, pids[0])

	t.Run("the sandbox signs as the function's role", func(t *testing.T) {
		cred, ok := c.keys.Lookup(environ["AWS_ACCESS_KEY_ID"])
		if !ok || !strings.HasPrefix(cred.Principal, "arn:aws:iam::"+AccountID+":role/") || !strings.Contains(cred.Principal, "FnServiceRole") ||
			environ["AWS_SESSION_TOKEN"] != cred.SessionToken || environ["AWS_SECRET_ACCESS_KEY"] != cred.SecretAccessKey {
			t.Errorf("sandbox key %s: %+v (%v), want the session key of the function's role", environ["AWS_ACCESS_KEY_ID"], cred, ok)
		}
	})

	// Every listener but the gateway is the cloud's alone: a process of this machine that finds
	// it, without the cloud's secret, is refused.
	t.Run("nobody else gets in", func(t *testing.T) {
		resp, err := http.Get(c.fauxqs.Endpoint().String() + "/" + outputs["BucketName"] + "/input/p.json")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("fauxqs without the secret: %s, want 403", resp.Status)
		}

		if info, err := os.Stat(filepath.Dir(c.dynamo.Socket())); err != nil || info.Mode().Perm() != 0o700 {
			t.Errorf("DynamoDB's socket directory: %v %v, want 0700", info.Mode(), err)
		}
		conn, err := net.Dial("unix", c.dynamo.Socket())
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(conn, "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n\r\n{}")
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		if b, err := io.ReadAll(conn); len(b) > 0 || err != nil {
			t.Errorf("DynamoDB's socket without the secret answered %q (%v), want it closed", b, err)
		}
		conn.Close()

		api := environ["AWS_LAMBDA_RUNTIME_API"]
		resp, err = (&http.Client{Timeout: 5 * time.Second}).Get("http://" + api + "/2018-06-01/runtime/invocation/next")
		if err != nil {
			t.Fatalf("Runtime API %s: %v", api, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("the function's Runtime API from outside its sandbox: %s, want 403", resp.Status)
		}

		host := sfnHost(t)
		if l := listeningSockets(t, host); len(l) > 0 {
			t.Errorf("the Step Functions host (pid %d) listens on %v, want stdin/stdout only", host, l)
		}
	})
}

func readEnviron(t *testing.T, pid int) map[string]string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, kv := range bytes.Split(b, []byte{0}) {
		if k, v, ok := strings.Cut(string(kv), "="); ok {
			env[k] = v
		}
	}
	return env
}

// sfnHost finds the Step Functions host: this process's child running sfn-host.mjs.
func sfnHost(t *testing.T) int {
	t.Helper()
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmd, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if !bytes.Contains(cmd, []byte("sfn-host.mjs")) {
			continue
		}
		if stat, _ := os.ReadFile("/proc/" + e.Name() + "/stat"); len(stat) > 0 {
			f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
			if len(f) > 1 && f[1] == strconv.Itoa(os.Getpid()) {
				return pid
			}
		}
	}
	t.Fatal("no Step Functions host among this process's children")
	return 0
}

// listeningSockets lists the listening sockets (TCP, TCP6, Unix) among pid's open files.
func listeningSockets(t *testing.T, pid int) []string {
	t.Helper()
	listening := map[string]string{}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6", "/proc/net/unix"} {
		f, err := os.Open(table)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Scan()
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			switch {
			case table == "/proc/net/unix" && len(fs) >= 7 && fs[3] == "00010000":
				listening[fs[6]] = "unix " + strings.Join(fs[7:], " ")
			case table != "/proc/net/unix" && len(fs) >= 10 && fs[3] == "0A":
				listening[fs[9]] = "tcp " + fs[1]
			}
		}
		f.Close()
	}
	var out []string
	dir := "/proc/" + strconv.Itoa(pid) + "/fd/"
	fds, _ := os.ReadDir(dir)
	for _, fd := range fds {
		link, _ := os.Readlink(dir + fd.Name())
		if inode, ok := strings.CutPrefix(link, "socket:["); ok {
			if what, ok := listening[strings.TrimSuffix(inode, "]")]; ok {
				out = append(out, what)
			}
		}
	}
	return out
}

func TestDynamoJavaOptions(t *testing.T) {
	if got := dynamoJavaOptions(false); len(got) != 0 {
		t.Errorf("short-lived: %q, want none (C1 alone, the emulator's default)", got)
	}
	if got, want := dynamoJavaOptions(true), []string{"-XX:TieredStopAtLevel=4"}; !slices.Equal(got, want) {
		t.Errorf("long-lived: %q, want the full JIT %q", got, want)
	}
}
