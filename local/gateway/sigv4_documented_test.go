package gateway_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// TestSigV4DocumentedAnswers: rules of AWS's SigV4 documentation (S3's mostly) that a review
// (2026-12-04) found unchecked or answered with another code; each case is what AWS answers.
func TestSigV4DocumentedAnswers(t *testing.T) {
	endpoint, keys, rec := newVerifyingGateway(t, gateway.Options{})
	admin := keys.NewKey("arn:aws:iam::000000000000:root")
	now := time.Now().UTC()

	// S3's chunked-upload page: "Chunk size must be at least 8 KB ... This chunk size applies to
	// all chunks except the last one"; S3 answers 400 InvalidChunkSizeError, also for
	// STREAMING-UNSIGNED-PAYLOAD-TRAILER (the JS SDK v3 tells its users to buffer small streams).
	t.Run("aws-chunked chunks under 8 KiB", func(t *testing.T) {
		const mode = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
		big := strings.Repeat("a", 8192)
		for _, tc := range []struct {
			name   string
			chunks []string
			want   string // "" for 200
		}{
			{"one small chunk", []string{"hello"}, ""},
			{"8 KiB, then a small last one", []string{big, "tail"}, ""},
			{"a small chunk before another", []string{"hel", "lo"}, "<Code>InvalidChunkSizeError</Code>"},
			{"a small chunk in the middle", []string{big, "x", big}, "<BadChunkSize>1</BadChunkSize>"},
		} {
			var body bytes.Buffer
			n := 0
			for _, c := range tc.chunks {
				fmt.Fprintf(&body, "%x\r\n%s\r\n", len(c), c)
				n += len(c)
			}
			body.WriteString("0\r\n\r\n")
			// botocore sends its aws-chunked bodies with Transfer-Encoding: chunked, no length.
			for _, length := range []int64{int64(body.Len()), -1} {
				req, _ := http.NewRequest("PUT", endpoint+"/b/chunks", bytes.NewReader(body.Bytes()))
				req.ContentLength = length
				req.Header.Set("X-Amz-Content-Sha256", mode)
				req.Header.Set("Content-Encoding", "aws-chunked")
				req.Header.Set("X-Amz-Decoded-Content-Length", fmt.Sprint(n))
				sign(t, admin, req, mode, "s3", now)
				status, out := do(t, req)
				if tc.want == "" && status != 200 || tc.want != "" && (status != 400 || !strings.Contains(out, tc.want)) {
					t.Errorf("%s, Content-Length %d: %d %s, want %q", tc.name, length, status, out, tc.want)
				}
			}
		}
	})

	// A body of unknown length (Transfer-Encoding: chunked, as botocore sends aws-chunked ones)
	// was checked as it streamed to S3, so a refusal found at its end came back as the proxy's
	// 502 ServiceUnavailable, which clients retry, instead of S3's error.
	t.Run("a body of unknown length is refused with S3's error", func(t *testing.T) {
		const mode = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
		body := "5\r\nhellO\r\n0\r\nx-amz-checksum-crc32:" + crc32Base64([]byte("hello")) + "\r\n\r\n"
		req, _ := http.NewRequest("PUT", endpoint+"/b/unknown-length", strings.NewReader(body))
		req.ContentLength = -1
		req.Header.Set("X-Amz-Content-Sha256", mode)
		req.Header.Set("Content-Encoding", "aws-chunked")
		req.Header.Set("X-Amz-Decoded-Content-Length", "5")
		req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
		sign(t, admin, req, mode, "s3", now)
		if status, out := do(t, req); status != 400 || !strings.Contains(out, "<Code>BadDigest</Code>") {
			t.Errorf("a wrong trailer, no Content-Length: %d %s, want 400 BadDigest", status, out)
		}
		data := bytes.Repeat([]byte("z"), 20<<20) // over the part checked before S3 sees it
		req, _ = http.NewRequest("PUT", endpoint+"/b/unknown-length", bytes.NewReader(data))
		req.ContentLength = -1
		req.Header.Set("X-Amz-Content-Sha256", hashOf(data))
		sign(t, admin, req, hashOf(data), "s3", now)
		if status, out := do(t, req); status != 200 || len(rec.bodies["s3"]) != len(data) {
			t.Errorf("20 MiB, no Content-Length: %d %s, %d bytes passed on, want 200 and all of it", status, out, len(rec.bodies["s3"]))
		}
	})

	// S3 answers a scope whose date is not X-Amz-Date's as a malformed header (400
	// AuthorizationHeaderMalformed, "Invalid credential date. Date is not the same as X-Amz-Date."),
	// or malformed query parameters for a presigned URL; not as a wrong signature.
	t.Run("credential date not X-Amz-Date's", func(t *testing.T) {
		req, _ := http.NewRequest("GET", endpoint+"/b/k", nil)
		req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		sign(t, admin, req, "UNSIGNED-PAYLOAD", "s3", now)
		yesterday := now.Add(-24 * time.Hour).Format("20060102")
		req.Header.Set("Authorization", strings.Replace(req.Header.Get("Authorization"), "/"+now.Format("20060102")+"/", "/"+yesterday+"/", 1))
		if status, out := do(t, req); status != 400 || !strings.Contains(out, "<Code>AuthorizationHeaderMalformed</Code>") || !strings.Contains(out, "Invalid credential date") {
			t.Errorf("header: %d %s, want 400 AuthorizationHeaderMalformed", status, out)
		}
		cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
			Credentials: credentials.NewStaticCredentialsProvider(admin.AccessKeyID, admin.SecretAccessKey, "")}
		ps, err := s3.NewPresignClient(s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })).PresignGetObject(context.Background(),
			&s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("k")})
		if err != nil {
			t.Fatal(err)
		}
		u := strings.Replace(ps.URL, "%2F"+now.Format("20060102")+"%2F", "%2F"+yesterday+"%2F", 1)
		req, _ = http.NewRequest("GET", u, nil)
		if status, out := do(t, req); status != 400 || !strings.Contains(out, "<Code>AuthorizationQueryParametersError</Code>") || !strings.Contains(out, "Invalid credential date &#34;"+yesterday) {
			t.Errorf("presigned: %d %s, want 400 AuthorizationQueryParametersError", status, out)
		}
		// The region, likewise in S3's words for a presigned URL.
		req, _ = http.NewRequest("GET", strings.Replace(ps.URL, "%2Fus-east-1%2F", "%2Feu-west-1%2F", 1), nil)
		if status, out := do(t, req); status != 400 || !strings.Contains(out, "Error parsing the X-Amz-Credential parameter; the region &#39;eu-west-1&#39; is wrong") {
			t.Errorf("presigned, another region: %d %s, want 400 AuthorizationQueryParametersError naming the region", status, out)
		}
	})

	// The S3 behind the gateway decodes a body by its Content-Encoding, the gateway by
	// x-amz-content-sha256: an aws-chunked body whose hash is not a streaming one was checked
	// (Content-MD5, its hash) as the bytes sent and stored as the data decoded from them.
	t.Run("aws-chunked with a plain payload hash", func(t *testing.T) {
		rec.mu.Lock()
		rec.bodies = map[string][]byte{}
		rec.mu.Unlock()
		for _, mode := range []string{"UNSIGNED-PAYLOAD", hashOf([]byte("5\r\nhello\r\n0\r\n\r\n"))} {
			req, _ := http.NewRequest("PUT", endpoint+"/b/two-ways", strings.NewReader("5\r\nhello\r\n0\r\n\r\n"))
			req.Header.Set("X-Amz-Content-Sha256", mode)
			req.Header.Set("Content-Encoding", "gzip, aws-chunked")
			sign(t, admin, req, mode, "s3", now)
			if status, out := do(t, req); status != 400 || !strings.Contains(out, "<Code>InvalidArgument</Code>") || !strings.Contains(out, "aws-chunked") {
				t.Errorf("%s: %d %s, want 400 InvalidArgument naming aws-chunked", mode, status, out)
			}
		}
		if len(rec.bodies) != 0 {
			t.Errorf("a refused body reached S3: %q", rec.bodies)
		}
	})

	// The query-protocol services answer a malformed signature 400 IncompleteSignature (SQS's
	// Common Errors; what SQS answers a Date that is not ISO 8601), not 403.
	t.Run("query protocol IncompleteSignature is 400", func(t *testing.T) {
		body := "Action=ListQueues&Version=2012-11-05"
		req, _ := http.NewRequest("POST", endpoint+"/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		sign(t, admin, req, hashOf([]byte(body)), "sqs", now)
		auth, _, _ := strings.Cut(req.Header.Get("Authorization"), ", Signature=")
		req.Header.Set("Authorization", auth)
		if status, out := do(t, req); status != 400 || !strings.Contains(out, "<Code>IncompleteSignature</Code>") {
			t.Errorf("no Signature: %d %s, want 400 IncompleteSignature", status, out)
		}
	})

	// A presigned URL without X-Amz-Algorithm lacks a parameter (AuthorizationQueryParametersError);
	// one of more than a week is refused in S3's words.
	t.Run("presigned URL parameters", func(t *testing.T) {
		cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
			Credentials: credentials.NewStaticCredentialsProvider(admin.AccessKeyID, admin.SecretAccessKey, "")}
		ps, err := s3.NewPresignClient(s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })).PresignGetObject(context.Background(),
			&s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("k")})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ from, to, want string }{
			{"X-Amz-Algorithm=AWS4-HMAC-SHA256&", "", "requires the X-Amz-Algorithm"},
			{"X-Amz-Expires=900", "X-Amz-Expires=604801", "must be less than a week (in seconds)"},
		} {
			req, _ := http.NewRequest("GET", strings.Replace(ps.URL, tc.from, tc.to, 1), nil)
			if status, out := do(t, req); status != 400 || !strings.Contains(out, "<Code>AuthorizationQueryParametersError</Code>") || !strings.Contains(out, tc.want) {
				t.Errorf("%q for %q: %d %s, want 400 AuthorizationQueryParametersError: %s", tc.to, tc.from, status, out, tc.want)
			}
		}
	})

	// S3 reads a streaming payload as aws-chunked by its x-amz-content-sha256; minio-go and the
	// Java SDK v1 send no Content-Encoding with it. The S3 behind decodes by the header, so it
	// stored such a body as sent (chunk headers, trailer and all).
	t.Run("a streaming payload without Content-Encoding", func(t *testing.T) {
		keys := gateway.NewKeyStore()
		g := gateway.New(gateway.Options{Keys: keys, Region: "us-east-1"})
		got := make(chan string, 1)
		g.Handle("s3", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got <- r.Header.Get("Content-Encoding")
		}))
		base := serve(t, g)
		key := keys.NewKey("arn:aws:iam::000000000000:root")
		for _, ce := range []string{"", "gzip"} {
			const mode = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
			req, _ := http.NewRequest("PUT", base+"/b/plain", strings.NewReader("5\r\nhello\r\n0\r\n\r\n"))
			req.Header.Set("X-Amz-Content-Sha256", mode)
			req.Header.Set("X-Amz-Decoded-Content-Length", "5")
			if ce != "" {
				req.Header.Set("Content-Encoding", ce)
			}
			sign(t, key, req, mode, "s3", now)
			if status, out := do(t, req); status != 200 {
				t.Fatalf("Content-Encoding %q: %d %s, want 200", ce, status, out)
			}
			if v := <-got; !strings.Contains(v, "aws-chunked") || !strings.HasPrefix(v, ce) {
				t.Errorf("Content-Encoding %q reached S3 as %q, want aws-chunked added", ce, v)
			}
		}
	})
}

// A body over the part checked before S3 sees it is checked as it streams to the emulator: a
// mismatch found at its end ends the upload, and the client gets S3's error for it, not the
// proxy's 502 ServiceUnavailable (which clients retry, sending the same bytes again).
func TestStreamedBodyRefusedWithS3sError(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer upstream.Close()
	keys := gateway.NewKeyStore()
	g := gateway.New(gateway.Options{Keys: keys, Region: "us-east-1"})
	u, _ := url.Parse(upstream.URL)
	g.Proxy("s3", u, nil)
	endpoint := serve(t, g)
	admin := keys.NewKey("arn:aws:iam::000000000000:root")

	data := bytes.Repeat([]byte("z"), 20<<20)
	for _, length := range []int64{int64(len(data)), -1} {
		req, _ := http.NewRequest("PUT", endpoint+"/b/big", bytes.NewReader(data))
		req.ContentLength = length
		wrong := hashOf(append([]byte("not "), data...))
		req.Header.Set("X-Amz-Content-Sha256", wrong)
		sign(t, admin, req, wrong, "s3", time.Now().UTC())
		if status, out := do(t, req); status != 400 || !strings.Contains(out, "<Code>XAmzContentSHA256Mismatch</Code>") {
			t.Errorf("20 MiB, Content-Length %d, a wrong hash: %d %.300s, want 400 XAmzContentSHA256Mismatch", length, status, out)
		}
	}
}
