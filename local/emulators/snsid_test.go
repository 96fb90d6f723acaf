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
	// sns posts an SNS query-protocol form to fauxqs and returns the answer.
	sns := func(form string) (*http.Response, []byte) {
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
		return resp, b
	}
	bodyID := regexp.MustCompile(`<RequestId>([^<]+)</RequestId>`)
	for _, form := range []string{"Action=ListTopics", "Action=GetTopicAttributes&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3Anone"} {
		resp, b := sns(form)
		m := bodyID.FindSubmatch(b)
		if m == nil || resp.Header.Get("X-Amzn-Requestid") != string(m[1]) || resp.Header.Get("X-Amz-Request-Id") != "" || resp.Header.Get("X-Amz-Id-2") != "" {
			t.Errorf("%s: %d, headers %v, body %s; want x-amzn-RequestId the body's RequestId and no S3 ids", form, resp.StatusCode, resp.Header, b)
		}
	}
	// A subscription names the account's root as its principal, the one caller of the local cloud.
	sns("Action=CreateTopic&Name=principal")
	_, subscribed := sns("Action=Subscribe&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3Aprincipal&Protocol=sqs&Endpoint=arn%3Aaws%3Asqs%3Aus-east-1%3A000000000000%3Aq")
	sub := regexp.MustCompile(`<SubscriptionArn>([^<]+)</SubscriptionArn>`).FindSubmatch(subscribed)
	if sub == nil {
		t.Fatal("Subscribe gave no SubscriptionArn")
	}
	if _, attrs := sns("Action=GetSubscriptionAttributes&SubscriptionArn=" + url.QueryEscape(string(sub[1]))); !strings.Contains(string(attrs), "<key>SubscriptionPrincipal</key><value>arn:aws:iam::000000000000:root</value>") {
		t.Errorf("GetSubscriptionAttributes: %s, want SubscriptionPrincipal the account's root", attrs)
	}

	secretHeader = fq.Header()
	if code, body, h := s3Do(t, "PUT", fq.Endpoint().String()+"/ids", nil, nil); code != 200 || h.Get("X-Amz-Request-Id") == "" || h.Get("X-Amzn-Requestid") != "" {
		t.Errorf("S3 CreateBucket: %d %s, headers %v; want S3's x-amz-request-id", code, body, h)
	}
}
