package template

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

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
			f := &bulkS3{notEmpty: tc.notEmpty}
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

// bulkS3 holds keys; it answers ListObjectsV2 with the first thousand, DeleteObjects by deleting
// the keys named (failing the ones in refuse, per key, as S3 does), DeleteObject by deleting its
// key, and DeleteBucket with BucketNotEmpty the first notEmpty times (an upload landed after the
// bucket was emptied), then 204.
type bulkS3 struct {
	mu        sync.Mutex
	notEmpty  int
	deletes   int // DeleteBucket calls
	keys      []string
	refuse    map[string]bool
	malformed map[string]bool // a DeleteObjects naming one of these is MalformedXML (the local S3 would misread it)
	ignore    bool            // DeleteObjects answers success and deletes nothing
	batches   []int           // keys per DeleteObjects call
	singles   int             // DeleteObject calls
}

func (f *bulkS3) Do(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	resp := func(status int, body string) *http.Response {
		return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/xml"}},
			Body: io.NopCloser(strings.NewReader(body)), Request: r}
	}
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodGet && q.Get("list-type") == "2":
		var b strings.Builder
		page := f.keys[:min(1000, len(f.keys))]
		fmt.Fprintf(&b, `<ListBucketResult><Name>b</Name><KeyCount>%d</KeyCount><IsTruncated>%v</IsTruncated>`, len(page), len(page) < len(f.keys))
		if q.Get("encoding-type") == "url" {
			b.WriteString("<EncodingType>url</EncodingType>")
		}
		for _, k := range page {
			if q.Get("encoding-type") == "url" {
				k = url.QueryEscape(k)
			}
			fmt.Fprintf(&b, "<Contents><Key>%s</Key></Contents>", k)
		}
		return resp(200, b.String()+"</ListBucketResult>"), nil
	case r.Method == http.MethodPost && q.Has("delete"):
		var del struct {
			Object []struct{ Key string }
		}
		if err := xml.NewDecoder(r.Body).Decode(&del); err != nil {
			return resp(400, `<Error><Code>MalformedXML</Code></Error>`), nil
		}
		f.batches = append(f.batches, len(del.Object))
		if f.ignore {
			return resp(200, "<DeleteResult></DeleteResult>"), nil
		}
		for _, o := range del.Object {
			if f.malformed[o.Key] {
				return resp(400, `<Error><Code>MalformedXML</Code><Message>key `+o.Key+`</Message></Error>`), nil
			}
		}
		gone := map[string]bool{}
		var b strings.Builder
		b.WriteString("<DeleteResult>")
		for _, o := range del.Object {
			if f.refuse[o.Key] {
				fmt.Fprintf(&b, "<Error><Key>%s</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>", o.Key)
				continue
			}
			gone[o.Key] = true
		}
		f.keys = slices.DeleteFunc(f.keys, func(k string) bool { return gone[k] })
		return resp(200, b.String()+"</DeleteResult>"), nil
	case r.Method == http.MethodDelete && r.URL.Path != "/b":
		f.singles++
		key := strings.TrimPrefix(r.URL.Path, "/b/")
		f.keys = slices.DeleteFunc(f.keys, func(k string) bool { return k == key })
		return resp(204, ""), nil
	case r.Method == http.MethodDelete:
		f.deletes++
		if f.deletes <= f.notEmpty {
			return resp(409, `<Error><Code>BucketNotEmpty</Code><Message>The bucket you tried to delete is not empty</Message></Error>`), nil
		}
		return resp(204, ""), nil
	}
	return resp(400, `<Error><Code>Unexpected</Code><Message>`+r.Method+" "+r.URL.String()+`</Message></Error>`), nil
}

func TestEmptyBucketDeletesAThousandKeysACall(t *testing.T) {
	for _, tc := range []struct {
		name      string
		keys      int
		refuse    string
		malformed string
		ignore    bool
		named     []string // keys besides the numbered ones
		batches   []int
		singles   int
		wantErr   string
	}{
		{name: "2,500 objects", keys: 2500, batches: []int{1000, 1000, 500}},
		{name: "empty", keys: 0},
		{name: "a key refused", keys: 1200, refuse: "k-1100", batches: []int{1000, 200},
			wantErr: `DeleteObjects b: 1 of 200 keys not deleted, the first "k-1100": AccessDenied: Access Denied`},
		{name: "a page the local S3 cannot take at once: a key at a time", keys: 1200, malformed: "k-1100", batches: []int{1000, 200}, singles: 200},
		// Listed with encoding-type url and decoded; the one XML cannot carry deleted by its URL.
		{name: "keys with a space, a plus, a control character", named: []string{"a b", "a+b", "c\x01d"}, batches: []int{2}, singles: 1},
		{name: "deleted but still listed", keys: 10, ignore: true, batches: []int{10},
			wantErr: `bucket b: "k-0" still listed after it was deleted`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &bulkS3{refuse: map[string]bool{tc.refuse: true}, malformed: map[string]bool{tc.malformed: true}, ignore: tc.ignore}
			for i := range tc.keys {
				f.keys = append(f.keys, fmt.Sprintf("k-%d", i))
			}
			f.keys = append(f.keys, tc.named...)
			c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:1"), UsePathStyle: true,
				Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
				HTTPClient:  smithyhttp.ClientDoFunc(f.Do), RetryMaxAttempts: 1})
			err := emptyAndDeleteBucket(context.Background(), c, "b")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
			} else if err != nil || len(f.keys) != 0 {
				t.Fatalf("err = %v, %d keys left", err, len(f.keys))
			}
			if !slices.Equal(f.batches, tc.batches) || f.singles != tc.singles {
				t.Errorf("DeleteObjects batches %v and %d DeleteObject calls, want batches %v and %d", f.batches, f.singles, tc.batches, tc.singles)
			}
		})
	}
}

// deployWith deploys the template (JSON) with every AWS call answered by fake.
func deployWith(t *testing.T, fake smithyhttp.ClientDoFunc, template string) {
	t.Helper()
	var tt Template
	if err := json.Unmarshal([]byte(template), &tt); err != nil {
		t.Fatal(err)
	}
	cfg := aws.Config{Region: "us-east-1", HTTPClient: fake, RetryMaxAttempts: 1,
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
		BaseEndpoint: aws.String("http://127.0.0.1:1")}
	if _, err := Deploy(context.Background(), &Assembly{StackName: "S", Template: &tt}, Options{ScratchDir: t.TempDir(), AWS: cfg}); err != nil {
		t.Fatal(err)
	}
}

// A bucket's OwnershipControls reach CreateBucket as x-amz-object-ownership (the local S3 decides
// its ACLs by it); a bucket without them sends none, S3's default being BucketOwnerEnforced.
func TestCreateBucketSendsItsObjectOwnership(t *testing.T) {
	var mu sync.Mutex
	owned := map[string]string{} // bucket → x-amz-object-ownership of its CreateBucket
	fake := smithyhttp.ClientDoFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodPut && strings.Count(strings.Trim(r.URL.Path, "/"), "/") == 0 && r.URL.RawQuery == "" {
			owned[strings.Trim(r.URL.Path, "/")] = r.Header.Get("X-Amz-Object-Ownership")
		}
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	})
	deployWith(t, fake, `{"Resources": {
		"Writer": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "writer-bucket", "OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}}},
		"Plain": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "plain-bucket"}}}}`)
	if owned["writer-bucket"] != "ObjectWriter" || owned["plain-bucket"] != "" || len(owned) != 2 {
		t.Errorf("CreateBucket x-amz-object-ownership by bucket %v, want writer-bucket ObjectWriter and plain-bucket none", owned)
	}
}

// A table's SSESpecification reaches CreateTable, and its PointInTimeRecoverySpecification an
// UpdateContinuousBackups after it (the local cloud answers both as DynamoDB does); a table
// without them asks for neither.
func TestCreateTableSendsEncryptionAndRecovery(t *testing.T) {
	var mu sync.Mutex
	var calls []string // target and body of each DynamoDB call
	fake := smithyhttp.ClientDoFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		defer mu.Unlock()
		b, _ := io.ReadAll(r.Body)
		calls = append(calls, strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")+" "+string(b))
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
			Body: io.NopCloser(strings.NewReader("{}")), Request: r}, nil
	})
	deployWith(t, fake, `{"Resources": {
		"Kept": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "kept", "BillingMode": "PAY_PER_REQUEST",
			"KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}], "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
			"SSESpecification": {"SSEEnabled": true}, "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true, "RecoveryPeriodInDays": 7}}},
		"Plain": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "plain", "BillingMode": "PAY_PER_REQUEST",
			"KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}], "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}]}}}}`)
	var kept, plain, backups []string
	for _, c := range calls {
		switch {
		case strings.HasPrefix(c, "CreateTable ") && strings.Contains(c, `"TableName":"kept"`):
			kept = append(kept, c)
		case strings.HasPrefix(c, "CreateTable ") && strings.Contains(c, `"TableName":"plain"`):
			plain = append(plain, c)
		case strings.HasPrefix(c, "UpdateContinuousBackups "):
			backups = append(backups, c)
		}
	}
	if len(kept) != 1 || !strings.Contains(kept[0], `"SSESpecification":{"Enabled":true}`) {
		t.Errorf("CreateTable of kept: %q, want SSESpecification Enabled", kept)
	}
	if len(plain) != 1 || strings.Contains(plain[0], "SSESpecification") {
		t.Errorf("CreateTable of plain: %q, want no SSESpecification", plain)
	}
	if len(backups) != 1 || !strings.Contains(backups[0], `"TableName":"kept"`) || !strings.Contains(backups[0], `"PointInTimeRecoveryEnabled":true`) || !strings.Contains(backups[0], `"RecoveryPeriodInDays":7`) {
		t.Errorf("UpdateContinuousBackups calls %q, want one for kept, on, 7 days", backups)
	}
}

// A queue's KMS properties reach CreateQueue with the others, for the local cloud to refuse (it has
// no KMS): a template asking for a key must not deploy a queue without it unsaid.
func TestCreateQueueSendsItsKMSKey(t *testing.T) {
	var mu sync.Mutex
	var creates []string // bodies of CreateQueue
	fake := smithyhttp.ClientDoFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		defer mu.Unlock()
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-Amz-Target") == "AmazonSQS.CreateQueue" {
			creates = append(creates, string(b))
		}
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
			Body: io.NopCloser(strings.NewReader(`{"QueueUrl":"http://127.0.0.1:1/000000000000/q"}`)), Request: r}, nil
	})
	deployWith(t, fake, `{"Resources": {
		"Keyed": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "keyed", "KmsMasterKeyId": "alias/aws/sqs", "KmsDataKeyReusePeriodSeconds": 600}}}}`)
	if len(creates) != 1 || !strings.Contains(creates[0], `"KmsMasterKeyId":"alias/aws/sqs"`) || !strings.Contains(creates[0], `"KmsDataKeyReusePeriodSeconds":"600"`) {
		t.Errorf("CreateQueue bodies %q, want the key and its reuse period", creates)
	}
}
