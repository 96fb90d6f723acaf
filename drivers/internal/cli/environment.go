package cli

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
)

// What a shell needs to reach the local cloud, as the README's "To keep a local cloud up" says it:
// the environment (AWS_ENDPOINT_URL, AWS_REGION, this start's key) comes from the running cloud.
// The commands are said as this program was started: `go run ./drivers/chaoslab` from the
// repository, else the built `chaoslab`.
var (
	localUp  = chaoslabCmd() + " local up"
	localEnv = `eval "$(` + chaoslabCmd() + ` local env)"`
)

// chaoslabCmd is how to run chaoslab: as `go run` ran this program (its executable in Go's build
// directory), or by its name.
func chaoslabCmd() string {
	if exe, err := os.Executable(); err == nil && strings.Contains(exe, string(os.PathSeparator)+"go-build") {
		return "go run ./drivers/chaoslab"
	}
	return "chaoslab"
}

// ErrNoRegion is wrapped by CheckRegion's error.
var ErrNoRegion = errors.New("no AWS region configured")

// CheckRegion says what to do when cfg has no region, nil when it has one. Without it every
// request failed, each on its own, with the endpoint resolver's "Invalid region: region was not a
// valid DNS name", which names neither the cause nor the fix. The publisher and the subscriber
// call it before their first request.
func CheckRegion(cfg aws.Config) error {
	if cfg.Region != "" {
		return nil
	}
	return fmt.Errorf("%w (AWS_REGION and AWS_DEFAULT_REGION are unset, and the shared config names none): "+
		"set one, or for the local cloud run %s", ErrNoRegion, localEnv)
}

// LocalCloudHint says what to do when err is a connection to the loopback AWS_ENDPOINT_URL refused
// (the local cloud stopped, or restarted on another port since the shell took its environment), or the
// cloud at a loopback AWS_ENDPOINT_URL refusing the key (a cloud started again since the shell took
// its environment: each start makes a key of its own), on a line of its own (it starts with a
// newline); "" for any other error. It is for a command's final error, said once: the errors of
// the requests stay as the SDK wrote them.
func LocalCloudHint(err error) string {
	endpoint := os.Getenv("AWS_ENDPOINT_URL")
	u, perr := url.Parse(endpoint)
	if err == nil || perr != nil || !isLoopback(u.Hostname()) {
		return ""
	}
	var op *net.OpError
	if errors.Is(err, syscall.ECONNREFUSED) && errors.As(err, &op) && op.Op == "dial" {
		// The endpoint's own address only: a refused credentials server on loopback (aws-vault's)
		// is not the local cloud.
		if addr, ok := op.Addr.(*net.TCPAddr); ok && addr.IP.IsLoopback() && u.Port() == strconv.Itoa(addr.Port) {
			return fmt.Sprintf("\nnothing listens on %s: the local cloud may not be running. Start it with `%s`, "+
				"then, in this shell, %s (each start picks a port and a key of its own; give both the cloud's -dir, if it was started with one)", addr, localUp, localEnv)
		}
	}
	var api smithy.APIError
	if errors.As(err, &api) && staleKeyCodes[api.ErrorCode()] {
		return fmt.Sprintf("\nthe local cloud at %s does not know this key: it was started again since this shell took its "+
			"environment (each start makes a key of its own). Run %s again (with the cloud's -dir, if it was started with one)", endpoint, localEnv)
	}
	return ""
}

// WithLocalCloudHint is err with LocalCloudHint's line after it, or err as it is when it has none.
// A command wraps its final error once: exit codes are kept (Code reads through the wrap).
//
// An error of no credentials at all (the SDK's chain found none and fell back to an instance role
// there is not) gets the same kind of line: what to configure, or the local cloud's environment.
func WithLocalCloudHint(err error) error {
	if hint := LocalCloudHint(err); hint != "" {
		return fmt.Errorf("%w%s", err, hint)
	}
	if err != nil && strings.Contains(err.Error(), "failed to refresh cached credentials") {
		return fmt.Errorf("%w\nno AWS credentials were found (environment, shared config and credentials files, SSO, an instance role): "+
			"configure them (aws configure, or AWS_PROFILE), or for the local cloud run %s", err, localEnv)
	}
	return err
}

// staleKeyCodes are the errors AWS (and the local cloud) answer a key they do not know with.
var staleKeyCodes = map[string]bool{"UnrecognizedClientException": true, "InvalidClientTokenId": true, "InvalidAccessKeyId": true}

// isLoopback says whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
