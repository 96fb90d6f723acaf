package sfn

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	sfnapi "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"
)

// SDKCaller answers aws-sdk Tasks with the real Go SDK clients: the Task's Parameters are decoded
// into the SDK's input struct (Step Functions passes the API's PascalCase member names), the call
// goes to the configured endpoint, and the output is rendered with the API's member names.
type SDKCaller struct {
	ops map[string]sdkOp // "service:action" as in the Task's resource
}

type sdkOp func(ctx context.Context, params json.RawMessage) (any, error)

// NewSDKCaller builds the clients from cfg (set cfg.BaseEndpoint to reach a local cloud).
func NewSDKCaller(cfg aws.Config) *SDKCaller {
	ssmc := ssm.NewFromConfig(cfg)
	cwc := cloudwatch.NewFromConfig(cfg)
	sfnc := sfnapi.NewFromConfig(cfg)
	return &SDKCaller{ops: map[string]sdkOp{
		"cloudwatch:getMetricData":       op(cwc.GetMetricData),
		"cloudwatch:getMetricStatistics": op(cwc.GetMetricStatistics),
		"cloudwatch:putMetricData":       op(cwc.PutMetricData),
		"ssm:getParameter":               op(ssmc.GetParameter),
		"ssm:putParameter":               op(ssmc.PutParameter),
		"ssm:deleteParameter":            op(ssmc.DeleteParameter),
		"sfn:describeExecution":          op(sfnc.DescribeExecution),
		"sfn:startExecution":             op(sfnc.StartExecution),
		"sfn:stopExecution":              op(sfnc.StopExecution),
	}}
}

// NewSDKCallerForEndpoint calls the local cloud at endpoint (http://127.0.0.1:PORT) with its
// credentials and region (docs/contracts.md §5).
func NewSDKCallerForEndpoint(endpoint string) *SDKCaller {
	return NewSDKCaller(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", ""),
		BaseEndpoint: aws.String(endpoint),
	})
}

// Supported lists the "service:action" pairs the caller answers.
func (c *SDKCaller) Supported() []string {
	keys := make([]string, 0, len(c.ops))
	for k := range c.ops {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Call is a CallFunc.
func (c *SDKCaller) Call(ctx context.Context, service, action string, params json.RawMessage) (json.RawMessage, error) {
	f, ok := c.ops[service+":"+action]
	if !ok {
		return nil, &TaskError{Name: "States.Runtime", Fatal: true, Cause: fmt.Sprintf(
			"arn:aws:states:::aws-sdk:%s:%s is not supported by the local cloud (supported: %s)",
			service, action, strings.Join(c.Supported(), ", "))}
	}
	out, err := f(ctx, params)
	if err != nil {
		return nil, sdkTaskError(service, err)
	}
	v, _ := toJSONValue(reflect.ValueOf(out))
	if v == nil {
		v = map[string]any{}
	}
	return json.Marshal(v)
}

// op adapts one SDK client method to an sdkOp.
func op[In, Out, Opt any](call func(context.Context, *In, ...Opt) (*Out, error)) sdkOp {
	return func(ctx context.Context, params json.RawMessage) (any, error) {
		in := new(In)
		dec := json.NewDecoder(bytes.NewReader(params))
		dec.DisallowUnknownFields()
		if err := dec.Decode(in); err != nil {
			// AWS rejects such a definition at creation: "The field X is not supported by Step Functions".
			return nil, &TaskError{Name: "States.Runtime", Fatal: true,
				Cause: fmt.Sprintf("Parameters do not fit %T: %v", *in, err)}
		}
		return call(ctx, in)
	}
}

// servicePrefix is the PascalCase service name Step Functions puts before SDK error names.
var servicePrefix = map[string]string{
	"cloudwatch": "CloudWatch", "dynamodb": "DynamoDb", "sfn": "Sfn", "ssm": "Ssm",
	"s3": "S3", "sqs": "Sqs", "sns": "Sns", "lambda": "Lambda", "eventbridge": "EventBridge",
}

// sdkTaskError names an SDK call's error as Step Functions' AWS SDK integrations do (the guide's
// "ServiceName.ErrorName", both PascalCase, "always add the Exception suffix"): the name is the
// AWS SDK for Java's exception class, which Step Functions calls with. So a modeled error is its
// model shape with Exception for a Fault suffix or none (Ssm.ParameterNotFoundException,
// CloudWatch.InternalServiceException for InternalServiceFault, whose wire code is
// InternalServiceError), and an error the service's model does not name (a denial or a throttle
// the model lacks) is the service's own exception: Sfn.SfnException for Step Functions'
// AccessDeniedException, as the AWS SDK for Java throws it.
// Errors without an API code are States.TaskFailed.
func sdkTaskError(service string, err error) error {
	var te *TaskError
	if errors.As(err, &te) {
		return te
	}
	prefix, ok := servicePrefix[service]
	if !ok && service != "" {
		prefix = strings.ToUpper(service[:1]) + service[1:]
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		status, reqID := 0, ""
		var re *awshttp.ResponseError
		if errors.As(err, &re) {
			status, reqID = re.HTTPStatusCode(), re.ServiceRequestID()
		}
		return &TaskError{Name: prefix + "." + javaExceptionName(prefix, ae),
			Cause: fmt.Sprintf("%s (Service: %s, Status Code: %d, Request ID: %s)", ae.ErrorMessage(), prefix, status, reqID)}
	}
	return &TaskError{Name: "States.TaskFailed", Cause: err.Error()}
}

// javaExceptionName is the AWS SDK for Java's class for ae: the Go SDK decodes a modeled error
// into a type named after its shape, and an error its model does not have into a
// smithy.GenericAPIError, which Java throws as the service's own <Service>Exception.
func javaExceptionName(prefix string, ae smithy.APIError) string {
	var generic *smithy.GenericAPIError
	if errors.As(ae, &generic) {
		return prefix + "Exception"
	}
	shape := ae.ErrorCode()
	if t := reflect.TypeOf(ae); t.Kind() == reflect.Pointer && t.Elem().Name() != "" {
		shape = t.Elem().Name()
	}
	var name string
	switch {
	case strings.HasSuffix(shape, "Fault"):
		name = strings.TrimSuffix(shape, "Fault") + "Exception"
	case strings.HasSuffix(shape, "Exception"):
		name = shape
	default:
		name = shape + "Exception"
	}
	if name == prefix+"Exception" {
		return "Default" + name // Java's name for a shape that would take the service's own
	}
	return name
}

var timeType = reflect.TypeOf(time.Time{})

// toJSONValue renders an SDK output the way Step Functions does: the API's member names, unset
// members left out, timestamps as ISO 8601 with milliseconds, no ResultMetadata.
func toJSONValue(v reflect.Value) (any, bool) {
	switch v.Kind() {
	case reflect.Invalid:
		return nil, false
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil, false
		}
		return toJSONValue(v.Elem())
	}
	if v.Type() == timeType {
		return v.Interface().(time.Time).UTC().Format(isoMillis), true
	}
	switch v.Kind() {
	case reflect.Struct:
		m := map[string]any{}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() || f.Name == "ResultMetadata" {
				continue
			}
			if x, ok := toJSONValue(v.Field(i)); ok {
				m[f.Name] = x
			}
		}
		return m, true
	case reflect.Slice:
		if v.IsNil() {
			return nil, false
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return base64.StdEncoding.EncodeToString(v.Bytes()), true
		}
		fallthrough
	case reflect.Array:
		a := make([]any, 0, v.Len())
		for i := 0; i < v.Len(); i++ {
			x, _ := toJSONValue(v.Index(i))
			a = append(a, x)
		}
		return a, true
	case reflect.Map:
		if v.IsNil() {
			return nil, false
		}
		m := map[string]any{}
		it := v.MapRange()
		for it.Next() {
			if x, ok := toJSONValue(it.Value()); ok {
				m[fmt.Sprint(it.Key().Interface())] = x
			}
		}
		return m, true
	case reflect.String:
		return v.String(), true
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), true
	case reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return v.Uint(), true
	case reflect.Float32, reflect.Float64:
		return v.Float(), true
	}
	return nil, false
}
