package ssm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	localssm "github.com/chaoslab/serverless-chaos-lab/local/ssm"
)

// newClient serves svc behind a gateway (with interceptors, outermost first) and returns a client
// of it.
func newClient(t *testing.T, svc *localssm.Service, interceptors ...func(http.Handler) http.Handler) *ssm.Client {
	t.Helper()
	g := gateway.New(gateway.Options{})
	g.Handle("ssm", svc)
	for _, mw := range interceptors {
		g.Use("ssm", mw)
	}
	addr, err := g.Listen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		g.Close()
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("gateway still listening on %s", addr)
		}
	})
	return ssm.New(ssm.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", "")})
}

func TestParameterRoundTrip(t *testing.T) {
	ctx := context.Background()
	svc := localssm.New()
	c := newClient(t, svc)
	name := "/chaoslab/failure"
	before := time.Now().Add(-time.Second)

	put, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(`{"isEnabled":false}`), Type: types.ParameterTypeString})
	if err != nil || put.Version != 1 {
		t.Fatalf("PutParameter = %+v, %v", put, err)
	}
	got, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	p := got.Parameter
	if aws.ToString(p.Value) != `{"isEnabled":false}` || p.Version != 1 || p.Type != types.ParameterTypeString {
		t.Errorf("GetParameter = %+v", p)
	}
	if p.LastModifiedDate == nil || p.LastModifiedDate.Before(before) || p.LastModifiedDate.After(time.Now().Add(time.Second)) {
		t.Errorf("LastModifiedDate = %v, want about now", p.LastModifiedDate)
	}

	tests := []struct {
		name  string
		call  func() error
		check func(error) bool
	}{
		{name: "put existing without Overwrite", call: func() error {
			_, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String("x"), Type: types.ParameterTypeString})
			return err
		}, check: func(err error) bool { var e *types.ParameterAlreadyExists; return errors.As(err, &e) }},
		{name: "value over the 4 KB standard limit", call: func() error {
			_, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/big"), Value: aws.String(strings.Repeat("x", 4097)), Type: types.ParameterTypeString})
			return err
		}, check: func(err error) bool {
			var e smithy.APIError
			return errors.As(err, &e) && e.ErrorCode() == "ValidationException"
		}},
		{name: "get missing", call: func() error {
			_, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/nope")})
			return err
		}, check: func(err error) bool { var e *types.ParameterNotFound; return errors.As(err, &e) }},
		{name: "delete missing", call: func() error {
			_, err := c.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String("/nope")})
			return err
		}, check: func(err error) bool { var e *types.ParameterNotFound; return errors.As(err, &e) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); err == nil || !tc.check(err) {
				t.Fatalf("err = %v (%T), want the typed error", err, err)
			}
		})
	}

	put, err = c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(`{"isEnabled":true}`), Overwrite: aws.Bool(true)})
	if err != nil || put.Version != 2 {
		t.Fatalf("overwrite = %+v, %v", put, err)
	}
	// In-process readers see the same store.
	if p, err := svc.Get(name); err != nil || p.Value != `{"isEnabled":true}` || p.Version != 2 {
		t.Errorf("Get = %+v, %v", p, err)
	}
	many, err := c.GetParameters(ctx, &ssm.GetParametersInput{Names: []string{name, "/nope"}})
	if err != nil || len(many.Parameters) != 1 || len(many.InvalidParameters) != 1 {
		t.Errorf("GetParameters = %+v, %v", many, err)
	}
	desc, err := c.DescribeParameters(ctx, &ssm.DescribeParametersInput{ParameterFilters: []types.ParameterStringFilter{{Key: aws.String("Name"), Option: aws.String("BeginsWith"), Values: []string{"/chaoslab"}}}})
	if err != nil || len(desc.Parameters) != 1 || aws.ToString(desc.Parameters[0].Name) != name {
		t.Errorf("DescribeParameters = %+v, %v", desc, err)
	}
	if _, err := c.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Get(name); !errors.Is(err, localssm.ErrParameterNotFound) {
		t.Errorf("after delete Get = %v", err)
	}
}

// A member is read under its exact name, as SSM reads it and as the gateway's IAM check reads it:
// {"Name": a, "name": b} is a request for a (encoding/json took b, the last of its case-folded
// matches, so a request authorized for a read b), and {"name": b} alone names nothing.
func TestMembersAreReadByTheirExactNames(t *testing.T) {
	svc := localssm.New()
	for _, p := range [][2]string{{"/allowed", "fault"}, {"/secret", "TOPSECRET"}} {
		if _, err := svc.Put(p[0], p[1]); err != nil {
			t.Fatal(err)
		}
	}
	get := func(body string) (int, string) {
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", "AmazonSSM.GetParameter")
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		rec := httptest.NewRecorder()
		svc.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	if code, out := get(`{"Name": "/allowed", "name": "/secret"}`); code != 200 || !strings.Contains(out, `"Value":"fault"`) || strings.Contains(out, "TOPSECRET") {
		t.Errorf("Name and name: %d %s, want /allowed's value", code, out)
	}
	if code, out := get(`{"NAME": "/secret"}`); code == 200 || strings.Contains(out, "TOPSECRET") {
		t.Errorf("NAME alone: %d %s, want no parameter read", code, out)
	}
}

// call sends one awsJson1.1 request to svc and returns the status, the error code ("" on success)
// and the body.
func call(t *testing.T, svc *localssm.Service, op, body string) (int, string, string) {
	t.Helper()
	req := httptest.NewRequest("POST", "/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "AmazonSSM."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	rec := httptest.NewRecorder()
	svc.ServeHTTP(rec, req)
	var e struct {
		Type string `json:"__type"`
	}
	if rec.Code != 200 {
		_ = json.Unmarshal(rec.Body.Bytes(), &e)
	}
	return rec.Code, e.Type, rec.Body.String()
}

// seed puts each name (a String parameter whose value is its name) through the API.
func seed(t *testing.T, svc *localssm.Service, bodies ...string) {
	t.Helper()
	for _, b := range bodies {
		if code, _, out := call(t, svc, "PutParameter", b); code != 200 {
			t.Fatalf("PutParameter %s: %d %s", b, code, out)
		}
	}
}

// Every request SSM refuses is refused with its error code, status 400 and a message naming what
// is wrong; what SSM accepts is accepted.
func TestRequestsAreCheckedAsSSMChecksThem(t *testing.T) {
	svc := localssm.New()
	seed(t, svc,
		`{"Name": "/app/db/url", "Value": "u", "Type": "String"}`,
		`{"Name": "/app/db/password", "Value": "p", "Type": "SecureString", "Tags": [{"Key": "Env", "Value": "prod"}]}`,
		`{"Name": "/app/hosts", "Value": "a,b", "Type": "StringList", "Description": "the hosts"}`,
		`{"Name": "/other/x", "Value": "x", "Type": "String", "Tags": [{"Key": "Env", "Value": "dev"}]}`,
		`{"Name": "plain", "Value": "1", "Type": "String", "AllowedPattern": "^\\d+$"}`,
	)
	seed(t, svc, `{"Name": "plain", "Value": "2", "Overwrite": true}`, `{"Name": "plain", "Value": "3", "Overwrite": true}`)
	long := func(n int) string { return `"` + strings.Repeat("x", n) + `"` }
	levels := func(n int) string { return strings.Repeat("/l", n) }
	names := func(n int) string { return `["` + strings.TrimSuffix(strings.Repeat(`a", "`, n), `", "`) + `"]` }
	tests := []struct {
		name, op, body string
		code           string // "" for success
		want           string // in the message, or in the answer on success
	}{
		// 1: Type on create.
		{"create without Type", "PutParameter", `{"Name": "/new", "Value": "v"}`, "ValidationException", "type is required"},
		{"overwrite without Type keeps it", "PutParameter", `{"Name": "/app/hosts", "Value": "c,d", "Overwrite": true}`, "", `"Version":2`},
		// 3: the naming constraints.
		{"name with a space inside", "PutParameter", `{"Name": "/a b", "Value": "v", "Type": "String"}`, "ValidationException", "spaces"},
		{"name with a colon", "PutParameter", `{"Name": "plain:evil", "Value": "v", "Type": "String"}`, "ValidationException", `':' is not allowed`},
		{"name with another letter", "PutParameter", `{"Name": "café", "Value": "v", "Type": "String"}`, "ValidationException", `'é' is not allowed`},
		{"name beginning with aws", "PutParameter", `{"Name": "awsThing", "Value": "v", "Type": "String"}`, "ValidationException", `prefixed with \"aws\" or \"ssm\"`},
		{"hierarchy beginning with SSM", "PutParameter", `{"Name": "/SSM/x", "Value": "v", "Type": "String"}`, "ValidationException", `prefixed with \"aws\" or \"ssm\"`},
		{"hierarchy without a leading slash", "PutParameter", `{"Name": "a/b", "Value": "v", "Type": "String"}`, "ValidationException", "must begin with a forward slash"},
		{"empty level", "PutParameter", `{"Name": "/a//b", "Value": "v", "Type": "String"}`, "ValidationException", "empty level"},
		{"16 levels", "PutParameter", `{"Name": "` + levels(16) + `", "Value": "v", "Type": "String"}`, "HierarchyLevelLimitExceededException", "maximum of 15 levels"},
		{"15 levels", "PutParameter", `{"Name": "` + levels(15) + `", "Value": "v", "Type": "String"}`, "", `"Version":1`},
		{"name of 966 characters", "PutParameter", `{"Name": ` + long(966) + `, "Value": "v", "Type": "String"}`, "", `"Version":1`},
		{"name of 967 characters", "PutParameter", `{"Name": ` + long(967) + `, "Value": "v", "Type": "String"}`, "ValidationException", "too long"},
		{"spaces around a name are removed", "PutParameter", `{"Name": "  trimmed ", "Value": "v", "Type": "String"}`, "", `"Version":1`},
		// 4: the other members of PutParameter.
		{"description of 1025 characters", "PutParameter", `{"Name": "/d", "Value": "v", "Type": "String", "Description": ` + long(1025) + `}`, "ValidationException", "at 'description'"},
		{"tier outside the enum", "PutParameter", `{"Name": "/d", "Value": "v", "Type": "String", "Tier": "Gold"}`, "ValidationException", "at 'tier'"},
		{"advanced tier", "PutParameter", `{"Name": "/d", "Value": "v", "Type": "String", "Tier": "Advanced"}`, "ValidationException", "only the Standard tier"},
		{"policies", "PutParameter", `{"Name": "/d", "Value": "v", "Type": "String", "Policies": "[]"}`, "ValidationException", "Policies"},
		{"data type of EC2 images", "PutParameter", `{"Name": "/d", "Value": "ami-1", "Type": "String", "DataType": "aws:ec2:image"}`, "ValidationException", "only the text data type"},
		{"unknown data type", "PutParameter", `{"Name": "/d", "Value": "v", "Type": "String", "DataType": "json"}`, "ValidationException", "DataType json"},
		{"key id outside the pattern", "PutParameter", `{"Name": "/d", "Value": "v", "Type": "SecureString", "KeyId": "my key"}`, "ValidationException", "at 'keyId'"},
		// No KMS here: a key other than SSM's own does not exist.
		{"a KMS key", "PutParameter", `{"Name": "/d", "Value": "v", "Type": "SecureString", "KeyId": "alias/foo"}`, "InvalidKeyId", "no KMS keys"},
		{"SSM's own key", "PutParameter", `{"Name": "/own", "Value": "v", "Type": "SecureString", "KeyId": "alias/aws/ssm"}`, "", `"Version":1`},
		{"SSM's own key by its ARN", "PutParameter", `{"Name": "/own-arn", "Value": "v", "Type": "SecureString", "KeyId": "arn:aws:kms:us-east-1:000000000000:alias/aws/ssm"}`, "", `"Version":1`},
		{"a String's key id is not read", "PutParameter", `{"Name": "/plain", "Value": "v", "Type": "String", "KeyId": "alias/foo"}`, "", `"Version":1`},
		{"no name to get", "GetParameter", `{}`, "ValidationException", "at 'name'"},
		{"no name to delete", "DeleteParameter", `{"Name": " "}`, "ValidationException", "at 'name'"},
		// The model's PSParameterName: at most 2048 characters, for every operation's Name.
		{"a name of 2049 characters to get", "GetParameter", `{"Name": ` + long(2049) + `}`, "ValidationException", "less than or equal to 2048"},
		{"a name of 2049 characters to delete", "DeleteParameter", `{"Name": ` + long(2049) + `}`, "ValidationException", "less than or equal to 2048"},
		{"a name of 2049 characters for history", "GetParameterHistory", `{"Name": ` + long(2049) + `}`, "ValidationException", "less than or equal to 2048"},
		{"type outside the enum", "PutParameter", `{"Name": "/d", "Value": "v", "Type": "Number"}`, "ValidationException", "at 'type'"},
		{"tags with overwrite", "PutParameter", `{"Name": "/d", "Value": "v", "Type": "String", "Overwrite": true, "Tags": [{"Key": "k", "Value": "v"}]}`, "ValidationException", "tags and overwrite"},
		{"value breaking the pattern", "PutParameter", `{"Name": "/d", "Value": "abc", "Type": "String", "AllowedPattern": "^\\d+$"}`, "ParameterPatternMismatchException", `allowedPattern: ^\\d+$`},
		{"overwrite breaking the kept pattern", "PutParameter", `{"Name": "plain", "Value": "x", "Overwrite": true}`, "ParameterPatternMismatchException", "allowedPattern"},
		{"invalid pattern", "PutParameter", `{"Name": "/d", "Value": "v", "Type": "String", "AllowedPattern": "("}`, "InvalidAllowedPatternException", "AllowedPattern"},
		// The model's Tag: Key and Value match ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$.
		{"tag key outside the pattern", "PutParameter", `{"Name": "/d", "Value": "v", "Type": "String", "Tags": [{"Key": "a#b", "Value": "v"}]}`, "ValidationException", "at 'tags.1.member.key'"},
		{"tag value outside the pattern", "PutParameter", `{"Name": "/d", "Value": "v", "Type": "String", "Tags": [{"Key": "k", "Value": "x;y"}]}`, "ValidationException", "at 'tags.1.member.value'"},
		{"tag in the pattern", "PutParameter", `{"Name": "/tagged", "Value": "v", "Type": "String", "Tags": [{"Key": "Team é 1:a/b=c+d-e@f", "Value": ""}]}`, "", `"Version":1`},
		// The model's Value: "You can't include values wrapped in double brackets {{}} or {{ssm:parameter-name}}".
		{"a value nesting a parameter", "PutParameter", `{"Name": "/d", "Value": "{{ssm:/app/db/url}}", "Type": "String"}`, "ValidationException", "{{}}"},
		{"a value in double brackets", "PutParameter", `{"Name": "/d", "Value": "a {{x}} b", "Type": "String"}`, "ValidationException", "{{}}"},
		{"JSON ending in two braces", "PutParameter", `{"Name": "/json", "Value": "{\"a\":{\"b\":1}}", "Type": "String"}`, "", `"Version":1`},
		// 6: 4 KB is bytes.
		{"4096 bytes of é", "PutParameter", `{"Name": "/e4096", "Value": "` + strings.Repeat("é", 2048) + `", "Type": "String"}`, "", `"Version":1`},
		{"6000 bytes of é", "PutParameter", `{"Name": "/e6000", "Value": "` + strings.Repeat("é", 3000) + `", "Type": "String"}`, "ValidationException", "4096 bytes"},
		// 3: selectors and ARNs.
		{"a version", "GetParameter", `{"Name": "plain:2"}`, "", `"Selector":":2","Type":"String","Value":"2","Version":2`},
		{"the current version", "GetParameter", `{"Name": "plain:3"}`, "", `"Value":"3"`},
		{"a version that does not exist", "GetParameter", `{"Name": "plain:9"}`, "ParameterVersionNotFound", "version 9 of plain"},
		{"a label (none exist here)", "GetParameter", `{"Name": "plain:prod"}`, "ParameterVersionNotFound", "version prod of plain"},
		{"a version of a missing parameter", "GetParameter", `{"Name": "/nope:1"}`, "ParameterNotFound", "/nope"},
		{"an ARN", "GetParameter", `{"Name": "arn:aws:ssm:us-east-1:000000000000:parameter/app/db/url"}`, "", `"Name":"/app/db/url"`},
		{"an ARN with a version", "GetParameter", `{"Name": "arn:aws:ssm:us-east-1:000000000000:parameter/plain:1"}`, "", `"Value":"1"`},
		{"an ARN of another account", "GetParameter", `{"Name": "arn:aws:ssm:us-east-1:111122223333:parameter/plain"}`, "ParameterNotFound", "111122223333"},
		{"a name with a space inside", "GetParameter", `{"Name": "/app/db url"}`, "ValidationException", "spaces"},
		{"several, sorted, with selectors", "GetParameters", `{"Names": ["plain:1", "/nope", "/app/db/url", "plain:7"]}`, "",
			`"InvalidParameters":["/nope","plain:7"],"Parameters":[{"ARN":"arn:aws:ssm:us-east-1:000000000000:parameter/app/db/url"`},
		// 4: list sizes.
		{"no names", "GetParameters", `{"Names": []}`, "ValidationException", "greater than or equal to 1"},
		{"11 names", "GetParameters", `{"Names": ` + names(11) + `}`, "ValidationException", "less than or equal to 10"},
		{"no names to delete", "DeleteParameters", `{}`, "ValidationException", "at 'names'"},
		{"11 names to delete", "DeleteParameters", `{"Names": ` + names(11) + `}`, "ValidationException", "less than or equal to 10"},
		// 2: DescribeParameters' filters.
		{"path, one level", "DescribeParameters", `{"ParameterFilters": [{"Key": "Path", "Values": ["/app"]}]}`, "", `"Name":"/app/hosts"`},
		{"path, recursive", "DescribeParameters", `{"ParameterFilters": [{"Key": "Path", "Option": "Recursive", "Values": ["/app/"]}], "MaxResults": 50}`, "", `"Name":"/app/db/url"`},
		{"type", "DescribeParameters", `{"ParameterFilters": [{"Key": "Type", "Values": ["SecureString"]}]}`, "", `"KeyId":"alias/aws/ssm"`},
		{"key id", "DescribeParameters", `{"ParameterFilters": [{"Key": "KeyId", "Option": "BeginsWith", "Values": ["alias/"]}]}`, "", `"Name":"/app/db/password"`},
		{"name contains", "DescribeParameters", `{"ParameterFilters": [{"Key": "Name", "Option": "Contains", "Values": ["pass"]}]}`, "", `"Name":"/app/db/password"`},
		{"tag", "DescribeParameters", `{"ParameterFilters": [{"Key": "tag:Env", "Values": ["dev"]}]}`, "", `"Name":"/other/x"`},
		{"tier and data type", "DescribeParameters", `{"ParameterFilters": [{"Key": "Tier", "Values": ["Standard"]}, {"Key": "DataType", "Values": ["text"]}, {"Key": "Name", "Values": ["plain"]}]}`, "", `"AllowedPattern":"^\\d+$"`},
		{"deprecated filters", "DescribeParameters", `{"Filters": [{"Key": "Name", "Values": ["/other"]}]}`, "", `"Name":"/other/x"`},
		{"a key SSM does not have", "DescribeParameters", `{"ParameterFilters": [{"Key": "Colour", "Values": ["red"]}]}`, "ValidationException", "regular expression pattern"},
		{"label", "DescribeParameters", `{"ParameterFilters": [{"Key": "Label", "Values": ["prod"]}]}`, "InvalidFilterKey", "Label"},
		{"an option the key does not take", "DescribeParameters", `{"ParameterFilters": [{"Key": "Type", "Option": "Contains", "Values": ["String"]}]}`, "InvalidFilterOption", "Type"},
		{"a path option on a name", "DescribeParameters", `{"ParameterFilters": [{"Key": "Name", "Option": "Recursive", "Values": ["/app"]}]}`, "InvalidFilterOption", "Name"},
		{"a path that is no hierarchy", "DescribeParameters", `{"ParameterFilters": [{"Key": "Path", "Values": ["app"]}]}`, "InvalidFilterValue", "forward slash"},
		{"a filter without values", "DescribeParameters", `{"ParameterFilters": [{"Key": "Name"}]}`, "InvalidFilterValue", "Name"},
		{"both kinds of filters", "DescribeParameters", `{"Filters": [{"Key": "Name", "Values": ["a"]}], "ParameterFilters": [{"Key": "Name", "Values": ["a"]}]}`, "ValidationException", "either Filters or ParameterFilters"},
		{"a deprecated filter on a path", "DescribeParameters", `{"Filters": [{"Key": "Path", "Values": ["/a"]}]}`, "ValidationException", "at 'filters.1.member.key'"},
		{"MaxResults 0", "DescribeParameters", `{"MaxResults": 0}`, "ValidationException", "greater than or equal to 1"},
		{"MaxResults 51", "DescribeParameters", `{"MaxResults": 51}`, "ValidationException", "less than or equal to 50"},
		{"a token it did not make", "DescribeParameters", `{"NextToken": "garbage"}`, "InvalidNextToken", "token"},
		// 4: GetParametersByPath and GetParameterHistory.
		{"by path, MaxResults 11", "GetParametersByPath", `{"Path": "/app", "MaxResults": 11}`, "ValidationException", "less than or equal to 10"},
		{"by path without a leading slash", "GetParametersByPath", `{"Path": "app"}`, "ValidationException", "forward slash"},
		{"by path, a token it did not make", "GetParametersByPath", `{"Path": "/app", "NextToken": "garbage"}`, "InvalidNextToken", "token"},
		{"by path, filtered by type", "GetParametersByPath", `{"Path": "/", "Recursive": true, "ParameterFilters": [{"Key": "Type", "Values": ["StringList"]}]}`, "", `"Name":"/app/hosts"`},
		{"by path, filtered by name", "GetParametersByPath", `{"Path": "/app", "ParameterFilters": [{"Key": "Name", "Values": ["/app/hosts"]}]}`, "InvalidFilterKey", "Name"},
		{"history, a token it did not make", "GetParameterHistory", `{"Name": "plain", "NextToken": "garbage"}`, "InvalidNextToken", "token"},
		{"history, MaxResults 51", "GetParameterHistory", `{"Name": "plain", "MaxResults": 51}`, "ValidationException", "less than or equal to 50"},
		{"history by ARN", "GetParameterHistory", `{"Name": "arn:aws:ssm:us-east-1:000000000000:parameter/plain"}`, "", `"Version":3`},
		// GetParameterHistory's documentation: a name with spaces between characters is a ValidationException.
		{"history, a name with a space inside", "GetParameterHistory", `{"Name": "/app/db url"}`, "ValidationException", "spaces"},
		// The model's ParameterHistory has the KeyId (SecureString only), Description and AllowedPattern.
		{"history of a SecureString", "GetParameterHistory", `{"Name": "/app/db/password", "WithDecryption": true}`, "", `"KeyId":"alias/aws/ssm"`},
		{"history with a description", "GetParameterHistory", `{"Name": "/app/hosts", "MaxResults": 1}`, "", `"Description":"the hosts"`},
		{"history with a pattern", "GetParameterHistory", `{"Name": "plain", "MaxResults": 1}`, "", `"AllowedPattern":"^\\d+$"`},
		// 5: a body that is not the model's.
		{"a number for a name", "GetParameter", `{"Name": 5}`, "SerializationException", "Name"},
		{"broken JSON", "PutParameter", `{"Name": `, "SerializationException", "request body"},
		{"not an object", "DescribeParameters", `[1]`, "SerializationException", "request body"},
	}
	// absent is what a listing must not answer, by test.
	absent := map[string]string{
		"path, one level":           "/app/db",
		"type":                      "/app/hosts",
		"name contains":             "/app/db/url",
		"tag":                       "/app/db/password",
		"deprecated filters":        "/app",
		"by path, filtered by type": "/app/db/url",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, code, out := call(t, svc, tt.op, tt.body)
			if code != tt.code || (code == "" && status != 200) || (code != "" && status != 400) || !strings.Contains(out, tt.want) ||
				(absent[tt.name] != "" && strings.Contains(out, absent[tt.name])) {
				t.Errorf("%s %s: %d %q %s, want %q with %q", tt.op, tt.body, status, code, out, tt.code, tt.want)
			}
		})
	}
	if p, err := svc.Get("/app/hosts"); err != nil || p.Type != "StringList" || p.Description != "the hosts" {
		t.Errorf("after an overwrite without Type or Description: %+v, %v", p, err)
	}
	if _, err := svc.Get("trimmed"); err != nil {
		t.Errorf("the name put with spaces around it: %v", err)
	}
	for _, n := range []string{"plain:evil", "/e6000", "/d"} {
		if _, err := svc.Get(n); err == nil {
			t.Errorf("%s was created by a refused request", n)
		}
	}
}

// DescribeParameters, GetParametersByPath and GetParameterHistory answer pages of MaxResults (10
// unasked), each with the token of the next; the last page has none.
func TestListingsArePaginated(t *testing.T) {
	svc := localssm.New()
	for i := range 12 {
		seed(t, svc, fmt.Sprintf(`{"Name": "/p/%02d", "Value": "v", "Type": "String"}`, i))
		seed(t, svc, fmt.Sprintf(`{"Name": "/p/00", "Value": "v%d", "Overwrite": true}`, i))
	}
	tests := []struct {
		op, body string
		max      int
		want     []string // the names (or versions) in order, over every page
	}{
		{"DescribeParameters", `{"ParameterFilters": [{"Key": "Path", "Values": ["/p"]}]%s}`, 0, seq("/p/%02d", 0, 12)},
		{"DescribeParameters", `{%s}`, 5, seq("/p/%02d", 0, 12)},
		{"GetParametersByPath", `{"Path": "/p"%s}`, 0, seq("/p/%02d", 0, 12)},
		{"GetParametersByPath", `{"Path": "/p", "Recursive": true%s}`, 10, seq("/p/%02d", 0, 12)},
		{"GetParameterHistory", `{"Name": "/p/00"%s}`, 4, seq("%d", 1, 14)},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %d", tt.op, tt.max), func(t *testing.T) {
			var got []string
			token, size := "", tt.max
			if size == 0 {
				size = 10
			}
			for pages := 1; ; pages++ {
				extra := ""
				if tt.max > 0 {
					extra += fmt.Sprintf(`, "MaxResults": %d`, tt.max)
				}
				if token != "" {
					extra += fmt.Sprintf(`, "NextToken": %q`, token)
				}
				body := fmt.Sprintf(tt.body, extra)
				if strings.HasPrefix(body, "{,") {
					body = "{" + body[2:]
				}
				code, errCode, out := call(t, svc, tt.op, body)
				var page struct {
					Parameters []struct {
						Name    string
						Version int64
					}
					NextToken string
				}
				if code != 200 || json.Unmarshal([]byte(out), &page) != nil {
					t.Fatalf("%s: %d %s %s", body, code, errCode, out)
				}
				if len(page.Parameters) > size || (page.NextToken != "" && len(page.Parameters) != size) {
					t.Fatalf("page %d has %d parameters (token %q), want at most %d", pages, len(page.Parameters), page.NextToken, size)
				}
				for _, p := range page.Parameters {
					if tt.op == "GetParameterHistory" {
						got = append(got, fmt.Sprint(p.Version))
					} else {
						got = append(got, p.Name)
					}
				}
				if token = page.NextToken; token == "" {
					break
				}
				if pages > 20 {
					t.Fatal("no last page")
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	// A token is its listing's: DescribeParameters' is no token of GetParametersByPath.
	_, _, out := call(t, svc, "DescribeParameters", `{"MaxResults": 1}`)
	var page struct{ NextToken string }
	if err := json.Unmarshal([]byte(out), &page); err != nil || page.NextToken == "" {
		t.Fatalf("DescribeParameters MaxResults 1: %s", out)
	}
	if _, code, out := call(t, svc, "GetParametersByPath", fmt.Sprintf(`{"Path": "/p", "NextToken": %q}`, page.NextToken)); code != "InvalidNextToken" {
		t.Errorf("another listing's token: %s %s, want InvalidNextToken", code, out)
	}
	// And of its request: a page of one path or filter is not continued under another (it would
	// start after a key of another listing), while another page size is the same listing.
	_, _, out = call(t, svc, "GetParametersByPath", `{"Path": "/p", "MaxResults": 1}`)
	if err := json.Unmarshal([]byte(out), &page); err != nil || page.NextToken == "" {
		t.Fatalf("GetParametersByPath /p MaxResults 1: %s", out)
	}
	for _, other := range []string{`{"Path": "/q", "NextToken": %q}`, `{"Path": "/p", "Recursive": true, "NextToken": %q}`,
		`{"Path": "/p", "ParameterFilters": [{"Key": "Type", "Values": ["String"]}], "NextToken": %q}`} {
		if _, code, out := call(t, svc, "GetParametersByPath", fmt.Sprintf(other, page.NextToken)); code != "InvalidNextToken" {
			t.Errorf("%s: %s %s, want InvalidNextToken", other, code, out)
		}
	}
	if code, errCode, out := call(t, svc, "GetParametersByPath", fmt.Sprintf(`{"Path": "/p", "MaxResults": 5, "NextToken": %q}`, page.NextToken)); code != 200 {
		t.Errorf("the same request with another MaxResults: %d %s %s, want the next page", code, errCode, out)
	}
}

// seq is format applied to from … to-1.
func seq(format string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf(format, i))
	}
	return out
}

// The SDK decodes the errors into their typed errors.
func TestTypedErrors(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, localssm.New())
	if _, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/t"), Value: aws.String("1"), Type: types.ParameterTypeString}); err != nil {
		t.Fatal(err)
	}
	var vnf *types.ParameterVersionNotFound
	if _, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/t:2")}); !errors.As(err, &vnf) {
		t.Errorf("GetParameter /t:2: %v, want ParameterVersionNotFound", err)
	}
	var hl *types.HierarchyLevelLimitExceededException
	if _, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(strings.Repeat("/x", 16)), Value: aws.String("1"), Type: types.ParameterTypeString}); !errors.As(err, &hl) {
		t.Errorf("16 levels: %v, want HierarchyLevelLimitExceededException", err)
	}
	var pm *types.ParameterPatternMismatchException
	if _, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/n"), Value: aws.String("x"), Type: types.ParameterTypeString, AllowedPattern: aws.String(`^\d+$`)}); !errors.As(err, &pm) {
		t.Errorf("a value breaking AllowedPattern: %v, want ParameterPatternMismatchException", err)
	}
	var fk *types.InvalidFilterKey
	if _, err := c.DescribeParameters(ctx, &ssm.DescribeParametersInput{ParameterFilters: []types.ParameterStringFilter{{Key: aws.String("Label"), Values: []string{"x"}}}}); !errors.As(err, &fk) {
		t.Errorf("a Label filter: %v, want InvalidFilterKey", err)
	}
	var nt *types.InvalidNextToken
	if _, err := c.GetParameterHistory(ctx, &ssm.GetParameterHistoryInput{Name: aws.String("/t"), NextToken: aws.String("x")}); !errors.As(err, &nt) {
		t.Errorf("a garbage token: %v, want InvalidNextToken", err)
	}
	got, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/t:1")})
	if err != nil || aws.ToString(got.Parameter.Selector) != ":1" || aws.ToString(got.Parameter.Name) != "/t" {
		t.Errorf("GetParameter /t:1 = %+v, %v", got, err)
	}
}

// A SecureString's value is answered decrypted only when the request says WithDecryption, as the
// model documents the member ("Return decrypted values for secure string parameters. This flag is
// ignored for String and StringList parameter types."): a reader that forgets it must not read the
// secret, locally as on AWS.
func TestSecureStringIsDecryptedOnlyWithDecryption(t *testing.T) {
	svc := localssm.New()
	seed(t, svc,
		`{"Name": "/s/secret", "Value": "s3cret", "Type": "SecureString"}`,
		`{"Name": "/s/plain", "Value": "open", "Type": "String"}`,
	)
	for _, tc := range []struct{ op, body string }{
		{"GetParameter", `{"Name": "/s/secret"%s}`},
		{"GetParameter", `{"Name": "/s/secret:1"%s}`},
		{"GetParameters", `{"Names": ["/s/secret", "/s/plain"]%s}`},
		{"GetParametersByPath", `{"Path": "/s"%s}`},
		{"GetParameterHistory", `{"Name": "/s/secret"%s}`},
	} {
		_, code, out := call(t, svc, tc.op, fmt.Sprintf(tc.body, ""))
		if code != "" || strings.Contains(out, "s3cret") || !strings.Contains(out, `"Value":"`) {
			t.Errorf("%s without WithDecryption: %s %s, want the value not decrypted", tc.op, code, out)
		}
		if tc.op != "GetParameterHistory" && tc.op != "GetParameter" && !strings.Contains(out, `"Value":"open"`) {
			t.Errorf("%s without WithDecryption: %s, want the String's value as it is", tc.op, out)
		}
		_, code, out = call(t, svc, tc.op, fmt.Sprintf(tc.body, `, "WithDecryption": true`))
		if code != "" || !strings.Contains(out, `"Value":"s3cret"`) {
			t.Errorf("%s WithDecryption: %s %s, want the value decrypted", tc.op, code, out)
		}
	}
	// In-process readers are the store itself: they read the value as written.
	if p, err := svc.Get("/s/secret"); err != nil || p.Value != "s3cret" {
		t.Errorf("Get = %+v, %v", p, err)
	}
}

// A Standard-tier store holds 10,000 parameters (the model's ParameterTier documentation: "You can
// create a maximum of 10,000 standard parameters for each Region"); one more is refused with
// ParameterLimitExceeded, while an overwrite of one of them is not.
func TestStandardTierHoldsTenThousandParameters(t *testing.T) {
	svc := localssm.New()
	for i := range 10000 {
		if _, err := svc.Put(fmt.Sprintf("/n/%05d", i), "v"); err != nil {
			t.Fatalf("parameter %d: %v", i+1, err)
		}
	}
	if _, code, out := call(t, svc, "PutParameter", `{"Name": "/n/one-more", "Value": "v", "Type": "String"}`); code != "ParameterLimitExceeded" {
		t.Errorf("the 10,001st parameter: %s %s, want ParameterLimitExceeded", code, out)
	}
	if status, code, out := call(t, svc, "PutParameter", `{"Name": "/n/00000", "Value": "w", "Overwrite": true}`); status != 200 {
		t.Errorf("an overwrite at the limit: %d %s %s", status, code, out)
	}
	if _, err := svc.Put("/n/one-more", "v"); err == nil {
		t.Error("Put made the 10,001st parameter")
	}
	if err := svc.Delete("/n/00001"); err != nil {
		t.Fatal(err)
	}
	if status, code, out := call(t, svc, "PutParameter", `{"Name": "/n/one-more", "Value": "v", "Type": "String"}`); status != 200 {
		t.Errorf("after a delete: %d %s %s", status, code, out)
	}
}

// A name without a leading "/" is at the root of the hierarchy, as SSM's user guide has it: path
// "/" finds it, recursive or not (the stack's own fault parameter is such a name), and a deeper
// path does not.
func TestRootLevelNamesAreUnderTheRootPath(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, localssm.New())
	for _, name := range []string{"rootp", "/slashp", "/app/deep"} {
		if _, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String("v"), Type: types.ParameterTypeString}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		path      string
		recursive bool
		want      string
	}{
		{"/", false, "/slashp rootp"},
		{"/", true, "/app/deep /slashp rootp"},
		{"/app", true, "/app/deep"},
	} {
		out, err := c.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String(tc.path), Recursive: aws.Bool(tc.recursive)})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range out.Parameters {
			names = append(names, aws.ToString(p.Name))
		}
		slices.Sort(names)
		if got := strings.Join(names, " "); got != tc.want {
			t.Errorf("by path %s (recursive %t): %s, want %s", tc.path, tc.recursive, got, tc.want)
		}
	}
}
