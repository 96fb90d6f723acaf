package template

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// fakeS3 answers ListObjectsV2 with an empty bucket and DeleteBucket with BucketNotEmpty the first
// notEmpty times (an upload landed after the bucket was emptied), then 204.
type fakeS3 struct {
	mu       sync.Mutex
	notEmpty int
	deletes  int
}

func (f *fakeS3) Do(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	resp := func(status int, body string) *http.Response {
		return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/xml"}},
			Body: io.NopCloser(strings.NewReader(body)), Request: r}
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Query().Get("list-type") == "2":
		return resp(200, `<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>`), nil
	case r.Method == http.MethodDelete:
		f.deletes++
		if f.deletes <= f.notEmpty {
			return resp(409, `<Error><Code>BucketNotEmpty</Code><Message>The bucket you tried to delete is not empty</Message></Error>`), nil
		}
		return resp(204, ""), nil
	}
	return resp(400, `<Error><Code>Unexpected</Code><Message>`+r.Method+" "+r.URL.String()+`</Message></Error>`), nil
}

func TestEmptyAndDeleteBucketRetriesWhenWrittenMeanwhile(t *testing.T) {
	for _, tc := range []struct {
		name     string
		notEmpty int
		wantErr  string
	}{
		{name: "deleted at once", notEmpty: 0},
		{name: "an upload landed in between, twice", notEmpty: 2},
		{name: "a writer that never stops", notEmpty: 1000, wantErr: "still written to after 10 attempts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeS3{notEmpty: tc.notEmpty}
			c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:1"), UsePathStyle: true,
				Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
				HTTPClient:  smithyhttp.ClientDoFunc(f.Do), RetryMaxAttempts: 1})
			err := emptyAndDeleteBucket(context.Background(), c, "b")
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if f.deletes != tc.notEmpty+1 {
					t.Errorf("%d DeleteBucket calls, want %d", f.deletes, tc.notEmpty+1)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "BucketNotEmpty") {
				t.Errorf("err = %v, want one saying %q with S3's BucketNotEmpty", err, tc.wantErr)
			}
		})
	}
}
