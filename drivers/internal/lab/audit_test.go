package lab

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	localssm "github.com/chaoslab/serverless-chaos-lab/local/ssm"
)

// The audit calls a fault off when the function would inject nothing from the parameter, read as
// the function reads it: either failure-lambda format, and an expired fault is off.
func TestFaultIsOff(t *testing.T) {
	srv := httptest.NewServer(localssm.New())
	defer srv.Close()
	c := ssm.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", "")})
	tests := []struct {
		name, value string
		off         bool
		err         string // in the error, when the value cannot be judged
	}{
		{name: "the seed's off value", value: `{"isEnabled": false}`, off: true},
		{name: "0.x on", value: `{"isEnabled": true, "failureMode": "latency", "minLatency": 100, "maxLatency": 200}`},
		{name: "1.0 on has no isEnabled", value: `{"latency": {"enabled": true, "min_latency": 3000}}`},
		{name: "1.0 with every flag off", value: `{"latency": {"enabled": false}, "denylist": {"enabled": false}}`, off: true},
		{name: "1.0 expired", value: `{"denylist": {"enabled": true, "deny_list": ["dynamodb"]}, "expiresAt": "2020-01-01T00:00:00Z"}`, off: true},
		{name: "0.x expiring later is on", value: `{"isEnabled": true, "failureMode": "exception", "expiresAfterSeconds": 3600}`},
		{name: "not a fault config", value: `{"isEnabled": "yes"}`, err: "isEnabled"},
		{name: "not JSON", value: `on`, err: "not a valid fault config"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "fault-" + string(rune('a'+i))
			if _, err := c.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(tt.value),
				Type: "String", Overwrite: aws.Bool(true)}); err != nil {
				t.Fatal(err)
			}
			off, err := faultIsOff(context.Background(), c, name)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want one naming %q", err, tt.err)
				}
				return
			}
			if err != nil || off != tt.off {
				t.Errorf("faultIsOff(%s) = %t, %v; want %t", tt.value, off, err, tt.off)
			}
		})
	}
	if _, err := faultIsOff(context.Background(), c, "missing"); err == nil {
		t.Error("a missing parameter: no error")
	}
}
