package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
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

// closedPort is a 127.0.0.1 address nothing listens on any more.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestLocalCloudHint(t *testing.T) {
	addr := closedPort(t)
	_, refused := (&net.Dialer{}).DialContext(context.Background(), "tcp", addr)
	if refused == nil {
		t.Fatalf("%s answered after its listener closed (another process took the port: run again)", addr)
	}
	elsewhere := &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.ParseIP("192.0.2.1"), Port: 443},
		Err: &net.OpError{Op: "connect", Err: syscall.ECONNREFUSED}}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{name: "refused on loopback", err: refused, want: true},
		// As the SDK wraps it, joined with the retry quota's refusal once the quota is spent.
		{name: "refused on loopback, wrapped", err: errors.Join(fmt.Errorf("operation error S3: PutObject: %w", refused), errors.New("retry quota exceeded")), want: true},
		{name: "refused elsewhere", err: elsewhere},
		{name: "another error", err: errors.New("AccessDenied")},
		{name: "none", err: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := LocalCloudHint(tt.err)
			if tt.want != (h != "") {
				t.Fatalf("hint %q for %v, want one: %v", h, tt.err, tt.want)
			}
			if tt.want && (!strings.HasPrefix(h, "\n") || !strings.Contains(h, addr) || !strings.Contains(h, "go run ./drivers/chaoslab local up") ||
				!strings.Contains(h, `eval "$(go run ./drivers/chaoslab local env)"`)) {
				t.Errorf("hint %q: want a line of its own naming %s, local up and local env", h, addr)
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
