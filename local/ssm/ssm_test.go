package ssm_test

import (
	"context"
	"errors"
	"net"
	"net/http/httptest"
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

func newClient(t *testing.T, svc *localssm.Service) *ssm.Client {
	t.Helper()
	g := gateway.New(gateway.Options{})
	g.Handle("ssm", svc)
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
