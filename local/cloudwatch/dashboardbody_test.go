package cloudwatch_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	localcw "github.com/chaoslab/serverless-chaos-lab/local/cloudwatch"
)

// PutDashboard refuses a body CloudWatch would refuse, each problem named by its place in the body
// as CloudWatch's validator names it, and stores nothing; the lab's synthesized body and the
// widget forms CloudWatch takes are accepted.
func TestPutDashboardChecksTheBody(t *testing.T) {
	ctx := context.Background()
	store := localcw.NewStore()
	cw := newClient(t, store)
	put := func(body string) error {
		_, err := cw.PutDashboard(ctx, &cloudwatch.PutDashboardInput{DashboardName: aws.String("checked"), DashboardBody: aws.String(body)})
		return err
	}
	lab, err := os.ReadFile("../dashboard/testdata/lab-body.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"the lab's synthesized body": string(lab),
		"no widgets":                 `{"widgets":[]}`,
		"the last three months":      `{"start":"-P3M","end":"-PT5M","widgets":[]}`,
		"an alarm annotation alone":  `{"widgets":[{"type":"metric","properties":{"region":"us-east-1","annotations":{"alarms":["arn:aws:cloudwatch:us-east-1:000000000000:alarm:a"]}}}]}`,
		"shorthand and an expression": `{"start":"-PT3H","widgets":[{"type":"metric","x":0,"y":0,"width":24,"height":6,"properties":{"region":"us-east-1",
			"metrics":[["AWS/SQS","NumberOfMessagesSent","QueueName","a"],["...","b"],[{"expression":"SUM(METRICS())","label":"all"}]]}}]}`,
		"text, log and alarm widgets": `{"end":"2026-12-04T10:00:00Z","widgets":[{"type":"text","properties":{"markdown":"# hi"}},
			{"type":"log","properties":{"region":"us-east-1","query":"SOURCE 'g' | fields @message"}},{"type":"alarm","properties":{"alarms":["a"]}}]}`,
	} {
		if err := put(body); err != nil {
			t.Errorf("%s: %v, want it accepted", name, err)
		}
	}
	if err := put(`{"widgets":[{"type":"text","properties":{"markdown":"kept"}}]}`); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, body, want string }{
		{"a metric widget without metrics", `{"widgets":[{"type":"metric","x":0,"y":0,"width":6,"height":6,"properties":{"region":"us-east-1"}}]}`,
			`"dataPath": "/widgets/0/properties", "message": "Should have required property 'metrics'"`},
		{"a metric widget without a region", `{"widgets":[{"type":"metric","properties":{"metrics":[["AWS/Lambda","Errors"]]}}]}`,
			`"dataPath": "/widgets/0/properties", "message": "The metric widget should have specified a region and a data source or an alarm annotation"`},
		{"a metric of a namespace alone", `{"widgets":[{"type":"metric","properties":{"region":"us-east-1","metrics":[["AWS/Lambda"]]}}]}`,
			`"dataPath": "/widgets/0/properties/metrics/0", "message": "Should NOT have fewer than 2 items`},
		{"an unknown type", `{"widgets":[{"type":"bogus","properties":{}}]}`, `"dataPath": "/widgets/0/type", "message": "Should be equal to one of the allowed values`},
		{"too wide", `{"widgets":[{"type":"text","width":30,"properties":{"markdown":"hi"}}]}`, `"dataPath": "/widgets/0/width", "message": "Should be <= 24"`},
		{"left of the grid", `{"widgets":[{"type":"text","x":-1,"properties":{"markdown":"hi"}}]}`, `"dataPath": "/widgets/0/x", "message": "Should be >= 0"`},
		{"half a row", `{"widgets":[{"type":"text","height":1.5,"properties":{"markdown":"hi"}}]}`, `"dataPath": "/widgets/0/height", "message": "Should be integer"`},
		{"text without markdown", `{"widgets":[{"type":"text","properties":{}}]}`, `"message": "Should have required property 'markdown'"`},
		{"no properties", `{"widgets":[{"type":"text"}]}`, `"dataPath": "/widgets/0", "message": "Should have required property 'properties'"`},
		{"a start that is no time", `{"start":"yesterday","widgets":[]}`, `"dataPath": "/start"`},
		{"a T with nothing after it", `{"start":"-PT","widgets":[]}`, `"dataPath": "/start"`},
		{"metrics null", `{"widgets":[{"type":"metric","properties":{"region":"us-east-1","metrics":null}}]}`, `"dataPath": "/widgets/0/properties/metrics", "message": "Should be array"`},
		{"two problems", `{"widgets":[{"type":"text","properties":{}},{"type":"log","properties":{"query":"q"}}]}`, `there are 2 validation errors`},
	} {
		err := put(tt.body)
		var invalid *types.DashboardInvalidInputError
		if !errors.As(err, &invalid) || invalid.ErrorCode() != "InvalidParameterInput" ||
			!strings.Contains(strings.Join(strings.Fields(invalid.ErrorMessage()), " "), tt.want) {
			t.Errorf("%s: %v, want InvalidParameterInput with %s", tt.name, err, tt.want)
			continue
		}
		// The same problems, decoded by the SDK into the error's DashboardValidationMessages.
		var listed []string
		for _, m := range invalid.DashboardValidationMessages {
			listed = append(listed, fmt.Sprintf(`"dataPath": %q, "message": %q`, aws.ToString(m.DataPath), aws.ToString(m.Message)))
		}
		if msg := strings.Join(strings.Fields(invalid.ErrorMessage()), " "); len(listed) == 0 || !strings.Contains(msg, strings.Join(listed, " }, { ")) {
			t.Errorf("%s: DashboardValidationMessages %q, want the message's problems: %s", tt.name, listed, msg)
		}
	}
	if body, _ := store.Dashboard("checked"); !strings.Contains(body, `"markdown":"kept"`) {
		t.Errorf("a refused body replaced the last accepted one: %s", body)
	}
}
