package gateway_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// writeCounter counts the writes made on a connection.
type writeCounter struct {
	net.Conn
	writes *atomic.Int32
}

func (c writeCounter) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// A forwarded request whose body came through the gateway's wrappers (not a bytes reader) leaves
// in one write, header and body, when the two fit net/http's 4 KiB buffer; every body arrives
// whole, at the limit and over it.
func TestProxySendsASmallBodyInOneWrite(t *testing.T) {
	var got atomic.Value
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.Store(string(b))
	}))
	defer up.Close()
	target, _ := url.Parse(up.URL)
	var writes atomic.Int32
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return writeCounter{c, &writes}, nil
	}
	proxy := gateway.NewProxy(target, dial)
	for _, tc := range []struct {
		name     string
		size     int
		oneWrite bool
	}{
		{"a SendMessage's size", 600, true},
		{"3,000 bytes", 3000, true},
		{"1 MiB", 1 << 20, false},
		{"over 1 MiB", 1<<20 + 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := strings.Repeat("x", tc.size)
			r := httptest.NewRequest(http.MethodPost, "/", struct{ io.Reader }{strings.NewReader(body)})
			r.ContentLength = int64(tc.size)
			writes.Store(0)
			w := httptest.NewRecorder()
			proxy.ServeHTTP(w, r)
			if w.Code != http.StatusOK || got.Load() != body {
				t.Fatalf("forwarded: %d, the upstream read %d bytes of %d", w.Code, len(got.Load().(string)), tc.size)
			}
			if n := writes.Load(); tc.oneWrite && n != 1 {
				t.Errorf("%d writes on the upstream connection, want one", n)
			}
		})
	}
}

// failingBody gives some bytes, then an error (a client gone mid-body).
type failingBody struct{ n int }

func (b *failingBody) Read(p []byte) (int, error) {
	if b.n == 0 {
		return 0, errors.New("client gone")
	}
	n := min(len(p), b.n)
	b.n -= n
	return n, nil
}

// A small body whose read fails is not forwarded: the proxy answers the error itself.
func TestProxyBodyThatFailsToRead(t *testing.T) {
	var reached atomic.Int32
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) }))
	defer up.Close()
	target, _ := url.Parse(up.URL)
	r := httptest.NewRequest(http.MethodPost, "/", &failingBody{n: 100})
	r.ContentLength = 600
	w := httptest.NewRecorder()
	gateway.NewProxy(target, nil).ServeHTTP(w, r)
	if w.Code != http.StatusBadGateway || !strings.Contains(w.Body.String(), "client gone") || reached.Load() != 0 {
		t.Errorf("answered %d %s, the upstream reached %d times; want 502 naming the error, and no request upstream", w.Code, w.Body, reached.Load())
	}
}
