package sqs_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/chaoslab/serverless-chaos-lab/local/emulators"
	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// onTheEmulator starts fauxqs behind a gateway with interceptor in front of it, both stopped when
// the test ends, and returns an SQS client of that gateway. -short skips the test.
func onTheEmulator(ctx context.Context, t *testing.T, interceptor func(http.Handler) http.Handler) *sqs.Client {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: starts the real emulator")
	}
	fq, err := emulators.StartFauxqs(ctx, emulators.Options{RunDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fq.Stop() })
	g := gateway.New(gateway.Options{})
	addr, err := g.Listen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	g.ProxyTo("sqs", gateway.Upstream{URL: fq.Endpoint(), Header: fq.Header()})
	g.Use("sqs", interceptor)
	return sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", "")})
}
