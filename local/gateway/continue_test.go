package gateway_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// An empty request that expects 100-continue gets its 100 Continue before the final response, as
// one with a body does, so that botocore (which waits for the 100 and otherwise keeps the final
// status for the connection's next response: boto/botocore#3755) reads the next response on the
// same connection right. Checked on the wire, three requests on one connection.
func TestExpectContinueOnAnEmptyBody(t *testing.T) {
	g := gateway.New(gateway.Options{})
	g.Handle("s3", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "%d bytes", len(b))
	}))
	base := serve(t, g)
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	in := bufio.NewReader(conn)
	send := func(expect bool, body string) {
		t.Helper()
		req := "PUT /bucket/key HTTP/1.1\r\nHost: " + strings.TrimPrefix(base, "http://") + "\r\n" +
			"Authorization: " + fmt.Sprintf(scope, "s3") + "\r\n" + fmt.Sprintf("Content-Length: %d\r\n", len(body))
		if expect {
			req += "Expect: 100-continue\r\n"
		}
		if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
			t.Fatal(err)
		}
	}
	read := func() (int, string) {
		t.Helper()
		resp, err := http.ReadResponse(in, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(b)
	}

	send(true, "")
	if code, _ := read(); code != http.StatusContinue {
		t.Fatalf("an empty PUT with Expect: 100-continue: first response %d, want 100 Continue", code)
	}
	if code, body := read(); code != http.StatusOK || body != "0 bytes" {
		t.Fatalf("then %d %q, want 200 \"0 bytes\"", code, body)
	}
	// The next request on the connection: its 100 when the handler reads, then its own response.
	send(true, "abc")
	if code, _ := read(); code != http.StatusContinue {
		t.Fatalf("a PUT of 3 bytes with Expect: 100-continue: first response %d, want 100 Continue", code)
	}
	if _, err := io.WriteString(conn, "abc"); err != nil {
		t.Fatal(err)
	}
	if code, body := read(); code != http.StatusOK || body != "3 bytes" {
		t.Fatalf("then %d %q, want 200 \"3 bytes\"", code, body)
	}
	// Without Expect, no 100.
	send(false, "")
	if code, body := read(); code != http.StatusOK || body != "0 bytes" {
		t.Fatalf("an empty PUT without Expect: %d %q, want 200 \"0 bytes\" (no 100)", code, body)
	}
}
