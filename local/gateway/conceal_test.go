package gateway_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// S3 answers a missing key with 404 NoSuchKey only to a caller that may list the bucket; the
// gateway turns the emulator's 404 into 403 AccessDenied for a request Authorize marked, and leaves
// every other answer alone.
func TestConcealMissingKeys(t *testing.T) {
	const noList = "arn:aws:iam::000000000000:role/reads-only"
	keys := gateway.NewKeyStore()
	g := gateway.New(gateway.Options{Keys: keys, Region: "us-east-1", Authorize: func(r *http.Request, principal string) error {
		if principal == noList {
			gateway.ConcealMissing(r, "User: "+noList+" is not authorized to perform: s3:ListBucket on resource: arn:aws:s3:::b")
		}
		return nil
	}})
	// The emulator: a 404 with a body and its length for a missing key, the object otherwise.
	g.Handle("s3", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/b/present.json":
			w.Header().Set("Content-Length", "5")
			io.WriteString(w, "hello")
		case "/b/broken.json":
			http.Error(w, "emulator failed", http.StatusInternalServerError)
		default:
			body := `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`
			w.Header().Set("Content-Type", "application/xml")
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, body)
		}
	}))
	endpoint := serve(t, g)
	client := func(c gateway.Credential) *s3.Client {
		return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
			Credentials: credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)})
	}
	reader, lister := client(keys.SessionKey(noList)), client(keys.NewKey("arn:aws:iam::000000000000:root"))
	ctx := context.Background()
	get := func(c *s3.Client, key string) error {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String(key)})
		if err == nil {
			out.Body.Close()
		}
		return err
	}
	head := func(c *s3.Client, key string) error {
		_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("b"), Key: aws.String(key)})
		return err
	}
	status := func(err error) int {
		var re *awshttp.ResponseError
		if errors.As(err, &re) {
			return re.HTTPStatusCode()
		}
		return 0
	}

	for name, call := range map[string]func(*s3.Client, string) error{"GetObject": get, "HeadObject": head} {
		t.Run(name, func(t *testing.T) {
			// THEN a caller that may not list gets 403 AccessDenied, with the reason, for a missing key.
			err := call(reader, "missing.json")
			if status(err) != http.StatusForbidden {
				t.Fatalf("missing key, no s3:ListBucket: %v, want 403", err)
			}
			var ae smithy.APIError
			if name == "GetObject" && (!errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" || !strings.Contains(ae.ErrorMessage(), "s3:ListBucket")) {
				t.Errorf("missing key, no s3:ListBucket: %v, want AccessDenied naming s3:ListBucket", err)
			}
			// AND one that may list gets the emulator's 404.
			if err := call(lister, "missing.json"); status(err) != http.StatusNotFound {
				t.Errorf("missing key, with s3:ListBucket: %v, want 404", err)
			}
			// AND an object that exists, or another error, is not touched.
			if err := call(reader, "present.json"); err != nil {
				t.Errorf("present key: %v", err)
			}
			if err := call(reader, "broken.json"); status(err) != http.StatusInternalServerError {
				t.Errorf("emulator error: %v, want its 500", err)
			}
		})
	}
	out, err := reader.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("present.json")})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	if b, _ := io.ReadAll(out.Body); string(b) != "hello" {
		t.Errorf("present.json = %q through a marked request, want hello", b)
	}
}
