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

// A role session's key signs as the role (what IAM decides on) and is named as the session (what
// AWS's denials say): arn:aws:sts::<account>:assumed-role/<role name>/<session>.
func TestRoleSessionKeys(t *testing.T) {
	const role = "arn:aws:iam::000000000000:role/service-role/fn-role"
	if got, want := gateway.SessionArn(role, "etl"), "arn:aws:sts::000000000000:assumed-role/fn-role/etl"; got != want {
		t.Errorf("SessionArn = %s, want %s (no path)", got, want)
	}
	if got := gateway.SessionArn("s3.amazonaws.com", "x"); got != "s3.amazonaws.com" {
		t.Errorf("SessionArn of a service principal = %s, want it unchanged", got)
	}

	var mu sync.Mutex
	seen := map[string]string{} // principal → caller
	endpoint, keys, _ := newVerifyingGateway(t, gateway.Options{Authorize: func(r *http.Request, principal string) error {
		mu.Lock()
		defer mu.Unlock()
		seen[principal] = gateway.CallerFrom(r.Context())
		return nil
	}})
	etl, other := keys.RoleSessionKey(role, "etl"), keys.RoleSessionKey(role, "other")
	if etl == other || keys.RoleSessionKey(role, "etl") != etl || etl.Principal != role {
		t.Fatalf("RoleSessionKey: %+v and %+v, want one key per session of %s", etl, other, role)
	}
	for _, c := range []struct {
		key    gateway.Credential
		caller string
	}{
		{etl, "arn:aws:sts::000000000000:assumed-role/fn-role/etl"},
		{keys.SessionKey("arn:aws:iam::000000000000:role/machine-role"), "arn:aws:iam::000000000000:role/machine-role"},
	} {
		client := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
			Credentials: credentials.NewStaticCredentialsProvider(c.key.AccessKeyID, c.key.SecretAccessKey, c.key.SessionToken)})
		if _, err := client.ListQueues(context.Background(), &sqs.ListQueuesInput{}); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		got := seen[c.key.Principal]
		mu.Unlock()
		if got != c.caller {
			t.Errorf("key of %s: Authorize saw caller %q, want %q", c.key.Principal, got, c.caller)
		}
	}
}
