package gateway_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// BenchmarkProxy is one small request through the gateway's reverse proxy to an emulator and its
// answer back, on kept-alive connections at both ends: the path every S3 and SQS request of the
// pipeline takes. Its B/op shows what the proxy allocates per request (the copy buffer is lent by a
// pool, not allocated).
func BenchmarkProxy(b *testing.B) {
	answer := strings.Repeat("<Message>x</Message>", 50)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, answer)
	}))
	defer upstream.Close()
	target, _ := url.Parse(upstream.URL)
	g := gateway.New(gateway.Options{})
	g.Proxy("sqs", target, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, err := g.Listen(ctx)
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	body := "Action=SendMessage&MessageBody=" + strings.Repeat("a", 300)
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest("POST", "http://"+addr+"/", strings.NewReader(body))
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=ab")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || n != int64(len(answer)) {
			b.Fatalf("status %d, %d bytes, want 200 and %d", resp.StatusCode, n, len(answer))
		}
	}
}
