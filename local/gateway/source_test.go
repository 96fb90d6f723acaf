package gateway_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// TestSourceHeaders: a delivery signed by a service principal names its source (WithSource), and
// the gateway puts it in the request's context (SourceFrom); from any other principal the headers
// are dropped unread. Either way nobody behind the gateway sees them.
func TestSourceHeaders(t *testing.T) {
	keys := gateway.NewKeyStore()
	s3Key := keys.SessionKey("s3.amazonaws.com")
	roleKey := keys.SessionKey("arn:aws:iam::000000000000:role/fn")
	type seen struct {
		src     gateway.Source
		ok      bool
		headers bool
	}
	var mu sync.Mutex
	var got []seen
	g := gateway.New(gateway.Options{Keys: keys, Authorize: func(r *http.Request, principal string) error {
		s, ok := gateway.SourceFrom(r.Context())
		mu.Lock()
		got = append(got, seen{src: s, ok: ok, headers: r.Header.Get(gateway.HeaderSourceArn) != "" || r.Header.Get(gateway.HeaderSourceAccount) != ""})
		mu.Unlock()
		return nil
	}})
	var behind bool
	g.Handle("sqs", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		behind = behind || r.Header.Get(gateway.HeaderSourceArn) != ""
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Write([]byte(`{"MessageId":"1","MD5OfMessageBody":"99914b932bd37a50b983c5e7c90ae93b"}`))
	}))
	addr, err := g.Listen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	src := gateway.Source{Arn: "arn:aws:s3:::bucket", Account: "000000000000"}
	for _, k := range []gateway.Credential{s3Key, roleKey} {
		c := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
			Credentials: credentials.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, k.SessionToken)})
		if _, err := c.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String("http://" + addr + "/000000000000/q"), MessageBody: aws.String("{}")},
			func(o *sqs.Options) { o.APIOptions = append(o.APIOptions, gateway.WithSource(src)) }); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 2 {
		t.Fatalf("%d requests authorized", len(got))
	}
	if !got[0].ok || got[0].src != src {
		t.Errorf("the service principal's source: %+v", got[0])
	}
	if got[1].ok {
		t.Errorf("a role's source headers were believed: %+v", got[1])
	}
	if got[0].headers || got[1].headers || behind {
		t.Errorf("the source headers passed the gateway: %+v, behind %v", got, behind)
	}
	if gateway.IsServicePrincipal("arn:aws:iam::000000000000:root") || !gateway.IsServicePrincipal("sns.amazonaws.com") {
		t.Error("IsServicePrincipal")
	}
}
