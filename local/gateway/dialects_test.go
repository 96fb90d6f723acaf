package gateway_test

import (
	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"

	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/testsvc"
	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

const scope = "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/%s/aws4_request, SignedHeaders=host, Signature=ab"

// serve starts a gateway on 127.0.0.1 for the test and returns its base URL.
func serve(t *testing.T, g *gateway.Gateway) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr, err := g.Listen(ctx)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); g.Close() })
	return "http://" + addr
}

func signed(t *testing.T, method, u, service string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", fmt.Sprintf(scope, service))
	return req
}

// statusLog is an interceptor that records every status its handler writes, as s3events' recorder
// and the SQS metrics interceptor do.
type statusLog struct {
	mu    sync.Mutex
	codes []int
}

func (s *statusLog) mw(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&statusWriter{ResponseWriter: w, log: s}, r)
	})
}

func (s *statusLog) all() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.codes...)
}

type statusWriter struct {
	http.ResponseWriter
	log *statusLog
}

func (w *statusWriter) WriteHeader(code int) {
	w.log.mu.Lock()
	w.log.codes = append(w.log.codes, code)
	w.log.mu.Unlock()
	w.ResponseWriter.WriteHeader(code)
}

// boto3 and the AWS CLI send Expect: 100-continue on every PutObject. The gateway's server answers
// it; the emulator never sees it, so no interim 100 reaches the interceptors as a status.
func TestExpectContinueIsAnsweredByTheGateway(t *testing.T) {
	var sawExpect []string
	var mu sync.Mutex
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sawExpect = append(sawExpect, r.Header.Get("Expect"))
		mu.Unlock()
		b, _ := io.ReadAll(r.Body) // a Go server sends 100 Continue here when asked to, as Node does
		w.Header().Set("ETag", `"x"`)
		fmt.Fprintf(w, "%d bytes", len(b))
	}))
	defer upstream.Close()
	target, _ := url.Parse(upstream.URL)

	// Without the gateway's fix, a plain reverse proxy shows the trap: the interceptor sees 100 first.
	var bare statusLog
	proxy := httptest.NewServer(bare.mw(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) }}))
	defer proxy.Close()
	putExpect(t, proxy.URL+"/bucket/key")
	if codes := bare.all(); len(codes) != 2 || codes[0] != 100 || codes[1] != 200 {
		t.Fatalf("control: a proxy relaying Expect showed the interceptor %v, want [100 200]", codes)
	}

	var seen statusLog
	g := gateway.New(gateway.Options{})
	g.Proxy("s3", target, nil)
	g.Use("s3", seen.mw)
	base := serve(t, g)
	resp := putExpect(t, base+"/bucket/key")
	if resp != "5 bytes" {
		t.Errorf("body = %q", resp)
	}
	if codes := seen.all(); len(codes) != 1 || codes[0] != 200 {
		t.Errorf("the interceptor saw statuses %v, want [200]", codes)
	}
	mu.Lock()
	defer mu.Unlock()
	if sawExpect[len(sawExpect)-1] != "" {
		t.Errorf("the emulator got Expect: %q", sawExpect[len(sawExpect)-1])
	}
}

// putExpect PUTs "hello" with Expect: 100-continue the way botocore does: the body waits for the
// 100 (or a second).
func putExpect(t *testing.T, u string) string {
	t.Helper()
	req := signed(t, "PUT", u, "s3", strings.NewReader("hello"))
	req.Header.Set("Expect", "100-continue")
	req.Header.Set("Content-Type", "application/json")
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{ExpectContinueTimeout: time.Second}}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("PUT %s: %d %s", u, resp.StatusCode, b)
	}
	return string(b)
}

// An object PUT without Content-Type gets S3's default before anything behind the gateway sees it.
func TestS3DefaultContentType(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Header.Get("Content-Type"))
	}))
	defer upstream.Close()
	target, _ := url.Parse(upstream.URL)
	g := gateway.New(gateway.Options{})
	g.Proxy("s3", target, nil)
	base := serve(t, g)
	for _, tc := range []struct{ method, path, ctype, want string }{
		{"PUT", "/b/empty.json", "", "binary/octet-stream"},
		{"PUT", "/b/doc.json", "application/json", "application/json"},
		{"PUT", "/b", "", ""},          // CreateBucket
		{"GET", "/b/doc.json", "", ""}, // not a write
	} {
		req := signed(t, tc.method, base+tc.path, "s3", http.NoBody)
		if tc.ctype != "" {
			req.Header.Set("Content-Type", tc.ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != tc.want {
			t.Errorf("%s %s with Content-Type %q: emulator saw %q, want %q", tc.method, tc.path, tc.ctype, b, tc.want)
		}
	}
}

// A large body is streamed through the gateway, not buffered: the emulator receives the first
// mebibyte while the client has not yet sent the rest.
func TestLargeBodyIsStreamed(t *testing.T) {
	const size = 12 << 20
	firstMiB := make(chan struct{})
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadFull(r.Body, make([]byte, 1<<20)); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		close(firstMiB)
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "%d", n+1<<20)
	}))
	defer upstream.Close()
	target, _ := url.Parse(upstream.URL)
	g := gateway.New(gateway.Options{})
	g.Proxy("s3", target, nil)
	base := serve(t, g)

	pr, pw := io.Pipe()
	go func() {
		chunk := bytes.Repeat([]byte("x"), 1<<20)
		pw.Write(chunk)
		select {
		case <-firstMiB:
		case <-time.After(20 * time.Second):
			pw.CloseWithError(errors.New("the emulator never saw the first MiB: the gateway buffers bodies"))
			return
		}
		for i := 1; i < size>>20; i++ {
			pw.Write(chunk)
		}
		pw.Close()
	}()
	req := signed(t, "PUT", base+"/b/big.json", "s3", pr)
	req.ContentLength = size
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != fmt.Sprint(size) {
		t.Errorf("PUT 12 MiB: %d %s", resp.StatusCode, b)
	}
}

// startFauxqs starts the real emulator for the test, or skips when this machine cannot run it.
func startFauxqs(t *testing.T) *url.URL {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: starts fauxqs")
	}
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.StartTimeout)
	defer cancel()
	fq, err := testsvc.StartFauxqs(ctx)
	if errors.Is(err, testsvc.ErrUnavailable) {
		testenv.Require(t, "fauxqs (Node 22 and npm packages: make deps)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fq.Close() })
	u, _ := url.Parse(fq.Endpoint)
	return u
}

// botocore ≥ 1.36 sends aws-chunked bodies with a trailing checksum (over TLS); the object stored is
// the decoded bytes, and an empty object without Content-Type is stored too.
func TestS3BodiesOnFauxqs(t *testing.T) {
	g := gateway.New(gateway.Options{})
	g.Proxy("s3", startFauxqs(t), nil)
	base := serve(t, g)
	do := func(req *http.Request) (*http.Response, string) {
		t.Helper()
		resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	if resp, b := do(signed(t, "PUT", base+"/bodies", "s3", http.NoBody)); resp.StatusCode != 200 {
		t.Fatalf("CreateBucket: %d %s", resp.StatusCode, b)
	}

	t.Run("aws-chunked with a trailing checksum", func(t *testing.T) {
		data := []byte(strings.Repeat("0123456789abcdef", 5000)) // 80000 bytes: two chunks
		sum := crc32.ChecksumIEEE(data)
		crc := base64.StdEncoding.EncodeToString([]byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)})
		var body bytes.Buffer
		for rest := data; len(rest) > 0; {
			n := min(len(rest), 65536)
			fmt.Fprintf(&body, "%x\r\n%s\r\n", n, rest[:n])
			rest = rest[n:]
		}
		fmt.Fprintf(&body, "0\r\nx-amz-checksum-crc32:%s\r\n\r\n", crc)
		req := signed(t, "PUT", base+"/bodies/chunked.json", "s3", &body)
		req.Header.Set("Content-Encoding", "aws-chunked")
		req.Header.Set("X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
		req.Header.Set("X-Amz-Decoded-Content-Length", fmt.Sprint(len(data)))
		req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
		req.Header.Set("X-Amz-Sdk-Checksum-Algorithm", "CRC32")
		req.Header.Set("Expect", "100-continue")
		if resp, b := do(req); resp.StatusCode != 200 {
			t.Fatalf("PutObject aws-chunked: %d %s", resp.StatusCode, b)
		}
		resp, got := do(signed(t, "GET", base+"/bodies/chunked.json", "s3", nil))
		if resp.StatusCode != 200 || got != string(data) {
			t.Errorf("GetObject: %d, %d bytes; want the %d decoded bytes", resp.StatusCode, len(got), len(data))
		}
	})

	t.Run("empty object without Content-Type", func(t *testing.T) {
		req := signed(t, "PUT", base+"/bodies/empty.json", "s3", http.NoBody)
		req.Header.Set("Expect", "100-continue")
		if resp, b := do(req); resp.StatusCode != 200 {
			t.Fatalf("PutObject empty: %d %s", resp.StatusCode, b)
		}
		resp, got := do(signed(t, "HEAD", base+"/bodies/empty.json", "s3", nil))
		if resp.StatusCode != 200 || got != "" || resp.Header.Get("Content-Length") != "0" || resp.Header.Get("Content-Type") != "binary/octet-stream" {
			t.Errorf("HeadObject: %d, Content-Length %q, Content-Type %q; want 200, 0, binary/octet-stream",
				resp.StatusCode, resp.Header.Get("Content-Length"), resp.Header.Get("Content-Type"))
		}
	})

	t.Run("12 MiB object", func(t *testing.T) {
		data := bytes.Repeat([]byte("y"), 12<<20)
		req := signed(t, "PUT", base+"/bodies/big.json", "s3", bytes.NewReader(data))
		if resp, b := do(req); resp.StatusCode != 200 {
			t.Fatalf("PutObject 12 MiB: %d %s", resp.StatusCode, b)
		}
		resp, _ := do(signed(t, "HEAD", base+"/bodies/big.json", "s3", nil))
		if resp.Header.Get("Content-Length") != fmt.Sprint(len(data)) {
			t.Errorf("HeadObject: Content-Length %q, want %d", resp.Header.Get("Content-Length"), len(data))
		}
	})
}

// sqsQuery sends an SQS query-protocol request (what botocore < 1.31 sends) and decodes its XML.
func sqsQuery(t *testing.T, base string, form url.Values, out any) (int, string) {
	t.Helper()
	req := signed(t, "POST", base+"/", "sqs", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "text/xml" {
		t.Errorf("%s: Content-Type %q, want text/xml", form.Get("Action"), ct)
	}
	if out != nil {
		if err := xml.Unmarshal(b, out); err != nil {
			t.Fatalf("%s: %v in %s", form.Get("Action"), err, b)
		}
	}
	return resp.StatusCode, string(b)
}

// The SQS query protocol (the AWS CLI 2.9 and boto3 1.26) works against the JSON-only emulator,
// and the interceptors see the JSON request (so the SQS metrics count it).
func TestSQSQueryProtocol(t *testing.T) {
	g := gateway.New(gateway.Options{})
	g.Proxy("sqs", startFauxqs(t), nil)
	var targets []string
	g.Use("sqs", func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			targets = append(targets, r.Header.Get("X-Amz-Target"))
			next.ServeHTTP(w, r)
		})
	})
	base := serve(t, g)

	var created struct {
		QueueURL string `xml:"CreateQueueResult>QueueUrl"`
	}
	if code, b := sqsQuery(t, base, url.Values{"Action": {"CreateQueue"}, "QueueName": {"old-client"}, "Version": {"2012-11-05"},
		"Attribute.1.Name": {"VisibilityTimeout"}, "Attribute.1.Value": {"7"}}, &created); code != 200 {
		t.Fatalf("CreateQueue: %d %s", code, b)
	}
	if want := base + "/000000000000/old-client"; created.QueueURL != want {
		t.Errorf("QueueUrl = %q, want %q", created.QueueURL, want)
	}
	q := created.QueueURL

	var attrs struct {
		Attrs []struct{ Name, Value string } `xml:"GetQueueAttributesResult>Attribute"`
	}
	sqsQuery(t, base, url.Values{"Action": {"GetQueueAttributes"}, "QueueUrl": {q}, "AttributeName.1": {"VisibilityTimeout"}}, &attrs)
	if len(attrs.Attrs) != 1 || attrs.Attrs[0].Name != "VisibilityTimeout" || attrs.Attrs[0].Value != "7" {
		t.Errorf("GetQueueAttributes = %+v, want VisibilityTimeout 7", attrs.Attrs)
	}

	var sent struct {
		MessageID string `xml:"SendMessageResult>MessageId"`
		MD5       string `xml:"SendMessageResult>MD5OfMessageBody"`
	}
	body := "<doc a=\"1\">é & ü\n</doc>"
	if code, b := sqsQuery(t, base, url.Values{"Action": {"SendMessage"}, "QueueUrl": {q}, "MessageBody": {body}, "DelaySeconds": {"0"},
		"MessageAttribute.1.Name": {"reason"}, "MessageAttribute.1.Value.DataType": {"String"}, "MessageAttribute.1.Value.StringValue": {"too_large"}}, &sent); code != 200 || sent.MessageID == "" {
		t.Fatalf("SendMessage: %d %s", code, b)
	}

	var batch struct {
		OK []struct {
			ID string `xml:"Id"`
		} `xml:"SendMessageBatchResult>SendMessageBatchResultEntry"`
		Failed []struct {
			ID string `xml:"Id"`
		} `xml:"SendMessageBatchResult>BatchResultErrorEntry"`
	}
	sqsQuery(t, base, url.Values{"Action": {"SendMessageBatch"}, "QueueUrl": {q},
		"SendMessageBatchRequestEntry.1.Id": {"a"}, "SendMessageBatchRequestEntry.1.MessageBody": {"one"},
		"SendMessageBatchRequestEntry.2.Id": {"b"}, "SendMessageBatchRequestEntry.2.MessageBody": {"two"}}, &batch)
	if len(batch.OK) != 2 || len(batch.Failed) != 0 {
		t.Errorf("SendMessageBatch = %+v", batch)
	}

	type message struct {
		Body          string
		ReceiptHandle string
		Attrs         []struct{ Name, Value string } `xml:"Attribute"`
		MsgAttrs      []struct {
			Name  string
			Value struct{ DataType, StringValue string }
		} `xml:"MessageAttribute"`
	}
	var got []message
	for end := time.Now().Add(10 * time.Second); len(got) < 3 && time.Now().Before(end); {
		var recv struct {
			Messages []message `xml:"ReceiveMessageResult>Message"`
		}
		sqsQuery(t, base, url.Values{"Action": {"ReceiveMessage"}, "QueueUrl": {q}, "MaxNumberOfMessages": {"10"}, "WaitTimeSeconds": {"1"},
			"AttributeName.1": {"All"}, "MessageAttributeName.1": {"All"}}, &recv)
		got = append(got, recv.Messages...)
	}
	if len(got) != 3 {
		t.Fatalf("received %d messages, want 3", len(got))
	}
	var first *message
	for i := range got {
		if got[i].Body == body {
			first = &got[i]
		}
	}
	if first == nil {
		t.Fatalf("no message with body %q among %+v", body, got)
	}
	if len(first.MsgAttrs) != 1 || first.MsgAttrs[0].Name != "reason" || first.MsgAttrs[0].Value.StringValue != "too_large" || first.MsgAttrs[0].Value.DataType != "String" {
		t.Errorf("message attributes = %+v", first.MsgAttrs)
	}
	receives := ""
	for _, a := range first.Attrs {
		if a.Name == "ApproximateReceiveCount" {
			receives = a.Value
		}
	}
	if receives != "1" {
		t.Errorf("ApproximateReceiveCount = %q in %+v", receives, first.Attrs)
	}

	var deleted struct {
		OK []struct {
			ID string `xml:"Id"`
		} `xml:"DeleteMessageBatchResult>DeleteMessageBatchResultEntry"`
	}
	form := url.Values{"Action": {"DeleteMessageBatch"}, "QueueUrl": {q}}
	for i, m := range got {
		form.Set(fmt.Sprintf("DeleteMessageBatchRequestEntry.%d.Id", i+1), fmt.Sprint("m", i))
		form.Set(fmt.Sprintf("DeleteMessageBatchRequestEntry.%d.ReceiptHandle", i+1), m.ReceiptHandle)
	}
	sqsQuery(t, base, form, &deleted)
	if len(deleted.OK) != 3 {
		t.Errorf("DeleteMessageBatch = %+v", deleted)
	}

	var list struct {
		URLs []string `xml:"ListQueuesResult>QueueUrl"`
	}
	sqsQuery(t, base, url.Values{"Action": {"ListQueues"}, "QueueNamePrefix": {"old-"}}, &list)
	if len(list.URLs) != 1 || list.URLs[0] != q {
		t.Errorf("ListQueues = %v", list.URLs)
	}

	// Errors come back in the query protocol's shape, with the code botocore maps to QueueDoesNotExist.
	var qe struct {
		Type    string `xml:"Error>Type"`
		Code    string `xml:"Error>Code"`
		Message string `xml:"Error>Message"`
	}
	code, b := sqsQuery(t, base, url.Values{"Action": {"GetQueueUrl"}, "QueueName": {"no-such-queue"}}, &qe)
	if code != 400 || qe.Code != "AWS.SimpleQueueService.NonExistentQueue" || qe.Type != "Sender" {
		t.Errorf("GetQueueUrl of a missing queue: %d %+v (%s)", code, qe, b)
	}

	// Old SDKs post to the queue URL itself, without a QueueUrl parameter.
	req := signed(t, "POST", q, "sqs", strings.NewReader("Action=PurgeQueue&Version=2012-11-05"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	pb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(pb), "<PurgeQueueResponse") {
		t.Errorf("PurgeQueue at the queue URL: %d %s", resp.StatusCode, pb)
	}

	for _, tgt := range targets {
		if !strings.HasPrefix(tgt, "AmazonSQS.") {
			t.Errorf("an interceptor saw X-Amz-Target %q; want every query request translated first", tgt)
		}
	}
}

// The translation itself, offline: nested flattened lists and maps in, the JSON members the API
// names out, and a batch answer back in the query protocol's shape.
func TestSQSQueryTranslation(t *testing.T) {
	var got map[string]any
	var target string
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target = r.Header.Get("X-Amz-Target")
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		io.WriteString(w, `{"Successful":[{"Id":"a","MessageId":"m-1","MD5OfMessageBody":"x"}],"Failed":[{"Id":"b","SenderFault":true,"Code":"InvalidParameterValue","Message":"too <big>"}]}`)
	})
	form := url.Values{
		"Action": {"SendMessageBatch"}, "Version": {"2012-11-05"}, "QueueUrl": {"http://h/000000000000/q"},
		"SendMessageBatchRequestEntry.1.Id":                                   {"a"},
		"SendMessageBatchRequestEntry.1.MessageBody":                          {"one"},
		"SendMessageBatchRequestEntry.1.DelaySeconds":                         {"5"},
		"SendMessageBatchRequestEntry.1.MessageAttribute.1.Name":              {"bin"},
		"SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType":    {"Binary"},
		"SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.BinaryValue": {"AAE="},
		"SendMessageBatchRequestEntry.10.Id":                                  {"b"},
		"SendMessageBatchRequestEntry.10.MessageBody":                         {"two"},
		"SendMessageBatchRequestEntry.2.Id":                                   {"c"},
		"SendMessageBatchRequestEntry.2.MessageBody":                          {"three"},
	}
	req := httptest.NewRequest("POST", "/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	gateway.SQSQuery(upstream).ServeHTTP(rec, req)

	want := map[string]any{
		"QueueUrl": "http://h/000000000000/q",
		"Entries": []any{
			map[string]any{"Id": "a", "MessageBody": "one", "DelaySeconds": 5.0,
				"MessageAttributes": map[string]any{"bin": map[string]any{"DataType": "Binary", "BinaryValue": "AAE="}}},
			map[string]any{"Id": "c", "MessageBody": "three"}, // index 2 before index 10
			map[string]any{"Id": "b", "MessageBody": "two"},
		},
	}
	if target != "AmazonSQS.SendMessageBatch" || !reflect.DeepEqual(got, want) {
		t.Errorf("upstream got %s %v\nwant %v", target, got, want)
	}
	var out struct {
		XMLName xml.Name
		OK      []struct{ Id, MessageId, MD5OfMessageBody string } `xml:"SendMessageBatchResult>SendMessageBatchResultEntry"`
		Failed  []struct {
			Id, Code, Message string
			SenderFault       bool
		} `xml:"SendMessageBatchResult>BatchResultErrorEntry"`
		RequestID string `xml:"ResponseMetadata>RequestId"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%v in %s", err, rec.Body)
	}
	if rec.Code != 200 || out.XMLName.Local != "SendMessageBatchResponse" || len(out.OK) != 1 || out.OK[0].MessageId != "m-1" ||
		len(out.Failed) != 1 || !out.Failed[0].SenderFault || out.Failed[0].Message != "too <big>" || out.RequestID == "" {
		t.Errorf("answer %d %+v from %s", rec.Code, out, rec.Body)
	}
}
