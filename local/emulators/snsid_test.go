package emulators_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/local/emulators"
)

// fauxqs's SNS answers, as StartFauxqs mends them, carry x-amzn-RequestId, the id their body
// names, as SNS's do, and not S3's x-amz-request-id and x-amz-id-2, which fauxqs gave every answer.
// S3's answers keep theirs.
func TestFauxqsSNSRequestID(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts fauxqs")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fq, err := emulators.StartFauxqs(ctx, emulators.Options{RunDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer fq.Stop()
	bodyID := regexp.MustCompile(`<RequestId>([^<]+)</RequestId>`)
	for _, form := range []string{"Action=ListTopics&Version=2010-03-31", "Action=GetTopicAttributes&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3Anone"} {
		req, _ := http.NewRequestWithContext(ctx, "POST", fq.Endpoint().String()+"/", strings.NewReader(form))
		for k, v := range fq.Header() {
			req.Header[k] = v
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=00")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := bodyID.FindSubmatch(b)
		if m == nil || resp.Header.Get("X-Amzn-Requestid") != string(m[1]) || resp.Header.Get("X-Amz-Request-Id") != "" || resp.Header.Get("X-Amz-Id-2") != "" {
			t.Errorf("%s: %d, headers %v, body %s; want x-amzn-RequestId the body's RequestId and no S3 ids", form, resp.StatusCode, resp.Header, b)
		}
	}
	// A subscription names the account's root as its principal, the one caller of the local cloud.
	sns := func(form string) string {
		req, _ := http.NewRequestWithContext(ctx, "POST", fq.Endpoint().String()+"/", strings.NewReader(form+"&Version=2010-03-31"))
		for k, v := range fq.Header() {
			req.Header[k] = v
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=00")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	sns("Action=CreateTopic&Name=principal")
	sub := regexp.MustCompile(`<SubscriptionArn>([^<]+)</SubscriptionArn>`).FindStringSubmatch(sns("Action=Subscribe&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3Aprincipal&Protocol=sqs&Endpoint=arn%3Aaws%3Asqs%3Aus-east-1%3A000000000000%3Aq"))
	if sub == nil {
		t.Fatal("Subscribe gave no SubscriptionArn")
	}
	if attrs := sns("Action=GetSubscriptionAttributes&SubscriptionArn=" + url.QueryEscape(sub[1])); !strings.Contains(attrs, "<key>SubscriptionPrincipal</key><value>arn:aws:iam::000000000000:root</value>") {
		t.Errorf("GetSubscriptionAttributes: %s, want SubscriptionPrincipal the account's root", attrs)
	}

	secretHeader = fq.Header()
	if code, body, h := s3Do(t, "PUT", fq.Endpoint().String()+"/ids", nil, nil); code != 200 || h.Get("X-Amz-Request-Id") == "" || h.Get("X-Amzn-Requestid") != "" {
		t.Errorf("S3 CreateBucket: %d %s, headers %v; want S3's x-amz-request-id", code, body, h)
	}
}
