package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
)

func TestCheckRegion(t *testing.T) {
	if err := CheckRegion(aws.Config{Region: "us-east-1"}); err != nil {
		t.Fatalf("a region: %v", err)
	}
	err := CheckRegion(aws.Config{})
	if !errors.Is(err, ErrNoRegion) || !strings.Contains(err.Error(), `eval "$(go run ./drivers/chaoslab local env)"`) {
		t.Fatalf("no region: %v, want ErrNoRegion saying how the local cloud's environment is set", err)
	}
}

// refusedAt is the error of a dial to addr that nothing listens on, as net makes it.
func refusedAt(port int) error {
	return &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: port},
		Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
}

// A refused connection to the local cloud's endpoint (AWS_ENDPOINT_URL on loopback) gets the hint;
// one to another address does not (a credentials server on loopback, AWS's endpoints), nor one
// with no local endpoint configured.
func TestLocalCloudHint(t *testing.T) {
	elsewhere := &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.ParseIP("192.0.2.1"), Port: 443},
		Err: &net.OpError{Op: "connect", Err: syscall.ECONNREFUSED}}
	tests := []struct {
		name, endpoint string
		err            error
		want           bool
	}{
		{name: "refused at the endpoint", endpoint: "http://127.0.0.1:4566", err: refusedAt(4566), want: true},
		{name: "refused at the endpoint, named localhost", endpoint: "http://localhost:4566", err: refusedAt(4566), want: true},
		// As the SDK wraps it, joined with the retry quota's refusal once the quota is spent.
		{name: "refused at the endpoint, wrapped", endpoint: "http://127.0.0.1:4566", want: true,
			err: errors.Join(fmt.Errorf("operation error S3: PutObject: %w", refusedAt(4566)), errors.New("retry quota exceeded"))},
		{name: "refused at another loopback port (a credentials server)", endpoint: "http://127.0.0.1:4566", err: refusedAt(9911)},
		{name: "refused on loopback, no local endpoint", err: refusedAt(4566)},
		{name: "refused elsewhere", endpoint: "http://127.0.0.1:4566", err: elsewhere},
		{name: "another error", endpoint: "http://127.0.0.1:4566", err: errors.New("AccessDenied")},
		{name: "none", endpoint: "http://127.0.0.1:4566", err: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("AWS_ENDPOINT_URL", tt.endpoint)
			h := LocalCloudHint(tt.err)
			if tt.want != (h != "") {
				t.Fatalf("hint %q for %v, want one: %v", h, tt.err, tt.want)
			}
			if tt.want && (!strings.HasPrefix(h, "\n") || !strings.Contains(h, "127.0.0.1:4566") || !strings.Contains(h, "go run ./drivers/chaoslab local up") ||
				!strings.Contains(h, `eval "$(go run ./drivers/chaoslab local env)"`)) {
				t.Errorf("hint %q: want a line of its own naming 127.0.0.1:4566, local up and local env", h)
			}
		})
	}
}

// A key the local cloud does not know (it was started again since the shell took its environment)
// is told to take the environment again; not when the endpoint is AWS's.
func TestLocalCloudHintForAStaleKey(t *testing.T) {
	stale := fmt.Errorf("operation error SSM: GetParameter: %w", &smithy.GenericAPIError{Code: "UnrecognizedClientException", Message: "The security token included in the request is invalid."})
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
	if h := LocalCloudHint(stale); !strings.Contains(h, "does not know this key") || !strings.Contains(h, `eval "$(go run ./drivers/chaoslab local env)"`) {
		t.Errorf("a stale key on the local cloud: hint %q", h)
	}
	if h := LocalCloudHint(fmt.Errorf("x: %w", &smithy.GenericAPIError{Code: "AccessDeniedException"})); h != "" {
		t.Errorf("another refusal: hint %q, want none", h)
	}
	t.Setenv("AWS_ENDPOINT_URL", "")
	if h := LocalCloudHint(stale); h != "" {
		t.Errorf("a stale key on AWS: hint %q, want none", h)
	}
}

// An endpoint without its scheme is refused, naming the variable: every request failed with the
// SDK's "Failed to parse uri", which names neither.
func TestAWSConfigRefusesAnEndpointThatIsNotAURL(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	for _, tt := range []struct {
		endpoint string
		ok       bool
	}{
		{"http://127.0.0.1:4566", true},
		{"https://sqs.us-east-1.amazonaws.com", true},
		{"127.0.0.1:4566", false},
		{"localhost:4566", false},
		{"http://", false},
		{"ftp://127.0.0.1:21", false},
	} {
		t.Setenv("AWS_ENDPOINT_URL", tt.endpoint)
		_, err := AWSConfig(context.Background())
		if tt.ok != (err == nil) || err != nil && !strings.Contains(err.Error(), `AWS_ENDPOINT_URL "`+tt.endpoint+`" is not an http:// or https:// URL`) {
			t.Errorf("AWS_ENDPOINT_URL=%s: %v, want ok %v", tt.endpoint, err, tt.ok)
		}
	}
}

// No credentials anywhere: the SDK's error (its chain ended at an instance role there is not) is
// followed by what to configure, or the local cloud's environment.
func TestNoCredentialsHint(t *testing.T) {
	err := WithLocalCloudHint(errors.New("operation error SSM: GetParameter, get identity: get credentials: failed to refresh cached credentials, no EC2 IMDS role found"))
	if !strings.Contains(err.Error(), "no AWS credentials were found") || !strings.Contains(err.Error(), "local env") {
		t.Errorf("no credentials: %v, want the hint", err)
	}
	if err := WithLocalCloudHint(errors.New("AccessDenied")); strings.Contains(err.Error(), "credentials were found") {
		t.Errorf("another error got the hint: %v", err)
	}
}
