package template

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// An AWS::SNS::Topic's FifoTopic and ContentBasedDeduplication reach CreateTopic as attributes, and
// a FIFO topic without a TopicName is named with the .fifo suffix: SNS (and local/sns) refuses a
// name ending in .fifo without FifoTopic true, and a FIFO topic's name without it.
func TestCreateTopicFIFO(t *testing.T) {
	for _, tc := range []struct {
		props     map[string]any
		name      string // "": generated, checked for the suffix
		fifo      bool
		attrs     url.Values
		wantAttrs map[string]string
	}{
		{props: map[string]any{"TopicName": "orders.fifo", "FifoTopic": true, "ContentBasedDeduplication": "true"}, name: "orders.fifo",
			wantAttrs: map[string]string{"FifoTopic": "true", "ContentBasedDeduplication": "true"}},
		{props: map[string]any{"FifoTopic": "true"}, fifo: true, wantAttrs: map[string]string{"FifoTopic": "true"}},
		{props: map[string]any{}, wantAttrs: map[string]string{}},
	} {
		var form url.Values
		c := sns.New(sns.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:1"),
			Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
			HTTPClient: smithyhttp.ClientDoFunc(func(r *http.Request) (*http.Response, error) {
				b, _ := io.ReadAll(r.Body)
				form, _ = url.ParseQuery(string(b))
				body := `<CreateTopicResponse><CreateTopicResult><TopicArn>arn:aws:sns:us-east-1:000000000000:` + form.Get("Name") +
					`</TopicArn></CreateTopicResult></CreateTopicResponse>`
				return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/xml"}}, Body: io.NopCloser(strings.NewReader(body))}, nil
			})})
		d := &deployer{asm: &Assembly{StackName: "Lab"}, opts: Options{Progress: io.Discard}, dep: &Deployment{},
			ctx: &Context{Refs: map[string]string{}, Attrs: map[string]map[string]string{}}, sns: c}
		if err := createTopic(context.Background(), d, "Topic", tc.props, Resource{Type: "AWS::SNS::Topic"}); err != nil {
			t.Fatalf("%v: %v", tc.props, err)
		}
		name := form.Get("Name")
		if tc.name != "" && name != tc.name || tc.fifo && (!strings.HasSuffix(name, ".fifo") || len(name) > 256) || !tc.fifo && tc.name == "" && strings.HasSuffix(name, ".fifo") {
			t.Errorf("%v: named %q", tc.props, name)
		}
		got := attributeEntriesOf(form)
		if len(got) != len(tc.wantAttrs) {
			t.Errorf("%v: attributes %v, want %v", tc.props, got, tc.wantAttrs)
		}
		for k, v := range tc.wantAttrs {
			if got[k] != v {
				t.Errorf("%v: attributes %v, want %v", tc.props, got, tc.wantAttrs)
			}
		}
	}
}

// attributeEntriesOf reads a query-protocol Attributes map (Attributes.entry.N.key and .value).
func attributeEntriesOf(form url.Values) map[string]string {
	out := map[string]string{}
	for k, v := range form {
		if n, ok := strings.CutSuffix(k, ".key"); ok && strings.HasPrefix(k, "Attributes.entry.") {
			out[v[0]] = form.Get(n + ".value")
		}
	}
	return out
}
