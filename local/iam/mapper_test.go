package iam

import (
	"bytes"
	"compress/gzip"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/chaoslab/serverless-chaos-lab/local/internal/sqstask"
)

const (
	qURL   = "http://127.0.0.1:4566/000000000000/chaos-json"
	qArn   = "arn:aws:sqs:us-east-1:000000000000:chaos-json"
	tArn   = "arn:aws:sns:us-east-1:000000000000:csv-topic"
	tbl    = "arn:aws:dynamodb:us-east-1:000000000000:table/"
	smArn  = "arn:aws:states:us-east-1:000000000000:stateMachine:ChaosLab-Experiment"
	exeArn = "arn:aws:states:us-east-1:000000000000:execution:ChaosLab-Experiment:run-1"
)

func jsonReq(target, body string) func() *http.Request {
	return func() *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("X-Amz-Target", target)
		r.Header.Set("Content-Type", "application/x-amz-json-1.0")
		return r
	}
}

func formReq(path string, form url.Values) func() *http.Request {
	return func() *http.Request {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		return r
	}
}

func restReq(method, target string, header map[string]string, body string) func() *http.Request {
	return func() *http.Request {
		r := httptest.NewRequest(method, target, strings.NewReader(body))
		for k, v := range header {
			r.Header.Set(k, v)
		}
		return r
	}
}

func cborReq(op string, body cbor.Map) func() *http.Request {
	return func() *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/service/GraniteServiceVersion20100801/operation/"+op, bytes.NewReader(cbor.Encode(body)))
		r.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
		r.Header.Set("Content-Type", "application/cbor")
		return r
	}
}

func gzipJSONReq(target, body string) func() *http.Request {
	return func() *http.Request {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(body))
		zw.Close()
		r := httptest.NewRequest(http.MethodPost, "/", &b)
		r.Header.Set("X-Amz-Target", target)
		r.Header.Set("Content-Type", "application/x-amz-json-1.0")
		r.Header.Set("Content-Encoding", "gzip")
		return r
	}
}

// c is a check without context, for the tables.
func c(action, resource string) Check { return Check{Action: action, Resource: resource} }

func TestMap(t *testing.T) {
	m := &Mapper{HashKeys: map[string]string{"chaos-data": "pk"}}
	tests := []struct {
		name    string
		service string
		req     func() *http.Request
		op      string
		checks  []Check
		ctx     map[int]map[string][]string // per check: keys that must be present with these values
		err     string                      // substring; "unmapped" also requires ErrUnmapped
	}{
		// SQS, JSON protocol.
		{"sqs json send", "sqs", jsonReq("AmazonSQS.SendMessage", `{"QueueUrl":"`+qURL+`","MessageBody":"x"}`), "SendMessage",
			[]Check{c("sqs:SendMessage", qArn)}, nil, ""},
		{"sqs json send batch", "sqs", jsonReq("AmazonSQS.SendMessageBatch", `{"QueueUrl":"`+qURL+`","Entries":[]}`), "SendMessageBatch",
			[]Check{c("sqs:SendMessage", qArn)}, nil, ""},
		{"sqs json receive", "sqs", jsonReq("AmazonSQS.ReceiveMessage", `{"QueueUrl":"`+qURL+`"}`), "ReceiveMessage",
			[]Check{c("sqs:ReceiveMessage", qArn)}, nil, ""},
		{"sqs json delete batch", "sqs", jsonReq("AmazonSQS.DeleteMessageBatch", `{"QueueUrl":"`+qURL+`"}`), "DeleteMessageBatch",
			[]Check{c("sqs:DeleteMessage", qArn)}, nil, ""},
		{"sqs json visibility batch", "sqs", jsonReq("AmazonSQS.ChangeMessageVisibilityBatch", `{"QueueUrl":"`+qURL+`"}`), "ChangeMessageVisibilityBatch",
			[]Check{c("sqs:ChangeMessageVisibility", qArn)}, nil, ""},
		// A redrive is authorized for what it does on the caller's behalf (SQS's troubleshooting page).
		{"sqs json start move task", "sqs", jsonReq("AmazonSQS.StartMessageMoveTask", `{"SourceArn":"`+qArn+`","DestinationArn":"`+qArn+`-out"}`), "StartMessageMoveTask",
			[]Check{c("sqs:StartMessageMoveTask", qArn), c("sqs:ReceiveMessage", qArn), c("sqs:DeleteMessage", qArn), c("sqs:GetQueueAttributes", qArn),
				c("sqs:SendMessage", qArn+"-out")}, nil, ""},
		// CancelMessageMoveTask names no queue: it is authorized on the source queue its handle names.
		{"sqs json cancel move task", "sqs", jsonReq("AmazonSQS.CancelMessageMoveTask", `{"TaskHandle":"`+sqstask.Handle("1", qArn)+`"}`), "CancelMessageMoveTask",
			[]Check{c("sqs:CancelMessageMoveTask", qArn)}, nil, ""},
		{"sqs json attributes", "sqs", jsonReq("AmazonSQS.GetQueueAttributes", `{"QueueUrl":"`+qURL+`","AttributeNames":["All"]}`), "GetQueueAttributes",
			[]Check{c("sqs:GetQueueAttributes", qArn)}, nil, ""},
		{"sqs json queue url", "sqs", jsonReq("AmazonSQS.GetQueueUrl", `{"QueueName":"chaos-json"}`), "GetQueueUrl",
			[]Check{c("sqs:GetQueueUrl", qArn)}, nil, ""},
		// "To be able to tag a queue on creation, you must have the sqs:CreateQueue and sqs:TagQueue
		// permissions" (CreateQueue's reference): tags in either protocol ask for both.
		{"sqs json create", "sqs", jsonReq("AmazonSQS.CreateQueue", `{"QueueName":"chaos-json"}`), "CreateQueue",
			[]Check{c("sqs:CreateQueue", qArn)}, nil, ""},
		{"sqs json create with tags", "sqs", jsonReq("AmazonSQS.CreateQueue", `{"QueueName":"chaos-json","tags":{"team":"a"}}`), "CreateQueue",
			[]Check{c("sqs:CreateQueue", qArn), c("sqs:TagQueue", qArn)}, nil, ""},
		{"sqs json create with no tags", "sqs", jsonReq("AmazonSQS.CreateQueue", `{"QueueName":"chaos-json","tags":{}}`), "CreateQueue",
			[]Check{c("sqs:CreateQueue", qArn)}, nil, ""},
		{"sqs query create with tags", "sqs", formReq("/", url.Values{"Action": {"CreateQueue"}, "QueueName": {"chaos-json"}, "Tag.1.Key": {"team"}, "Tag.1.Value": {"a"}}), "CreateQueue",
			[]Check{c("sqs:CreateQueue", qArn), c("sqs:TagQueue", qArn)}, nil, ""},
		{"sqs json list", "sqs", jsonReq("AmazonSQS.ListQueues", `{}`), "ListQueues", []Check{c("sqs:ListQueues", "*")}, nil, ""},
		{"sqs json no queue", "sqs", jsonReq("AmazonSQS.SendMessage", `{"MessageBody":"x"}`), "SendMessage", nil, nil, "no QueueUrl"},
		{"sqs json unknown", "sqs", jsonReq("AmazonSQS.Frobnicate", `{}`), "Frobnicate", nil, nil, "unmapped"},
		{"sqs json bad body", "sqs", jsonReq("AmazonSQS.SendMessage", `{"QueueUrl":`), "SendMessage", nil, nil, "JSON body"},
		// SQS, query protocol.
		{"sqs query send", "sqs", formReq("/", url.Values{"Action": {"SendMessage"}, "QueueUrl": {qURL}, "MessageBody": {"x"}, "Version": {"2012-11-05"}}),
			"SendMessage", []Check{c("sqs:SendMessage", qArn)}, nil, ""},
		{"sqs query queue in the path", "sqs", formReq("/000000000000/chaos-json", url.Values{"Action": {"ReceiveMessage"}}),
			"ReceiveMessage", []Check{c("sqs:ReceiveMessage", qArn)}, nil, ""},
		{"sqs query GET list", "sqs", restReq(http.MethodGet, "/?Action=ListQueues&Version=2012-11-05", nil, ""), "ListQueues",
			[]Check{c("sqs:ListQueues", "*")}, nil, ""},
		// SNS.
		{"sns publish", "sns", formReq("/", url.Values{"Action": {"Publish"}, "TopicArn": {tArn}, "Message": {"m"}}), "Publish",
			[]Check{c("sns:Publish", tArn)}, nil, ""},
		{"sns publish target", "sns", formReq("/", url.Values{"Action": {"Publish"}, "TargetArn": {tArn}, "Message": {"m"}}), "Publish",
			[]Check{c("sns:Publish", tArn)}, nil, ""},
		{"sns publish batch", "sns", formReq("/", url.Values{"Action": {"PublishBatch"}, "TopicArn": {tArn}}), "PublishBatch",
			[]Check{c("sns:Publish", tArn)}, nil, ""},
		{"sns sms", "sns", formReq("/", url.Values{"Action": {"Publish"}, "PhoneNumber": {"+1555"}, "Message": {"m"}}), "Publish", nil, nil, "unmapped"},
		{"sns subscribe", "sns", formReq("/", url.Values{"Action": {"Subscribe"}, "TopicArn": {tArn}, "Protocol": {"sqs"}, "Endpoint": {qArn}}), "Subscribe",
			[]Check{c("sns:Subscribe", tArn)}, map[int]map[string][]string{0: {"sns:Protocol": {"sqs"}, "sns:Endpoint": {qArn}}}, ""},
		{"sns create topic", "sns", formReq("/", url.Values{"Action": {"CreateTopic"}, "Name": {"csv-topic"}}), "CreateTopic",
			[]Check{c("sns:CreateTopic", tArn)}, nil, ""},
		{"sns unsubscribe", "sns", formReq("/", url.Values{"Action": {"Unsubscribe"}, "SubscriptionArn": {tArn + ":1234"}}), "Unsubscribe",
			[]Check{c("sns:Unsubscribe", "*")}, nil, ""},
		{"sns tags", "sns", formReq("/", url.Values{"Action": {"ListTagsForResource"}, "ResourceArn": {tArn}}), "ListTagsForResource",
			[]Check{c("sns:ListTagsForResource", tArn)}, nil, ""},
		{"sns json publish", "sns", jsonReq("AmazonSimpleNotificationService.Publish", `{"TopicArn":"`+tArn+`","Message":"m"}`), "Publish",
			[]Check{c("sns:Publish", tArn)}, nil, ""},
		{"sns unknown", "sns", formReq("/", url.Values{"Action": {"CreatePlatformApplication"}}), "CreatePlatformApplication", nil, nil, "unmapped"},
		// DynamoDB.
		{"ddb get", "dynamodb", jsonReq("DynamoDB_20120810.GetItem", `{"TableName":"chaos-data","Key":{"pk":{"S":"AAPL"},"sk":{"S":"x"}}}`), "GetItem",
			[]Check{c("dynamodb:GetItem", tbl+"chaos-data")}, map[int]map[string][]string{0: {"dynamodb:LeadingKeys": {"AAPL"}}}, ""},
		{"ddb put", "dynamodb", jsonReq("DynamoDB_20120810.PutItem", `{"TableName":"chaos-data","Item":{"pk":{"N":"7"}},"ReturnValues":"ALL_OLD"}`), "PutItem",
			[]Check{c("dynamodb:PutItem", tbl+"chaos-data")}, map[int]map[string][]string{0: {"dynamodb:LeadingKeys": {"7"}, "dynamodb:ReturnValues": {"ALL_OLD"}}}, ""},
		{"ddb update", "dynamodb", jsonReq("DynamoDB_20120810.UpdateItem", `{"TableName":"chaos-data","Key":{"pk":{"S":"AAPL"}}}`), "UpdateItem",
			[]Check{c("dynamodb:UpdateItem", tbl+"chaos-data")}, nil, ""},
		{"ddb delete by table ARN", "dynamodb", jsonReq("DynamoDB_20120810.DeleteItem", `{"TableName":"`+tbl+`chaos-data","Key":{"pk":{"S":"A"}}}`), "DeleteItem",
			[]Check{c("dynamodb:DeleteItem", tbl+"chaos-data")}, map[int]map[string][]string{0: {"dynamodb:LeadingKeys": {"A"}}}, ""},
		{"ddb query index", "dynamodb", jsonReq("DynamoDB_20120810.Query", `{"TableName":"chaos-data","IndexName":"byDate","KeyConditionExpression":"#p = :v AND sk > :s","ExpressionAttributeNames":{"#p":"pk"},"ExpressionAttributeValues":{":v":{"S":"AAPL"},":s":{"S":"0"}},"Select":"COUNT"}`), "Query",
			[]Check{c("dynamodb:Query", tbl+"chaos-data/index/byDate")}, map[int]map[string][]string{0: {"dynamodb:LeadingKeys": {"AAPL"}, "dynamodb:Select": {"COUNT"}}}, ""},
		{"ddb query legacy", "dynamodb", jsonReq("DynamoDB_20120810.Query", `{"TableName":"chaos-data","KeyConditions":{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"MSFT"}]}}}`), "Query",
			[]Check{c("dynamodb:Query", tbl+"chaos-data")}, map[int]map[string][]string{0: {"dynamodb:LeadingKeys": {"MSFT"}}}, ""},
		// A table's ARN here names the table (LeadingKeys too); another region's or account's ARN is
		// checked as given, and refused before DynamoDB Local (TestCheckDynamoDBTables).
		{"ddb query value first", "dynamodb", jsonReq("DynamoDB_20120810.Query", `{"TableName":"chaos-data","KeyConditionExpression":":v = pk","ExpressionAttributeValues":{":v":{"S":"IBM"}}}`), "Query",
			[]Check{c("dynamodb:Query", tbl+"chaos-data")}, map[int]map[string][]string{0: {"dynamodb:LeadingKeys": {"IBM"}}}, ""},
		// Unread, LeadingKeys would be absent, and ForAllValues:StringEquals on it true for any partition.
		{"ddb query whose partition key is not read", "dynamodb", jsonReq("DynamoDB_20120810.Query", `{"TableName":"chaos-data","KeyConditionExpression":"(pk) = :v","ExpressionAttributeValues":{":v":{"S":"IBM"}}}`), "Query",
			nil, nil, "the partition key pk's value is not found"},
		{"ddb query by table ARN", "dynamodb", jsonReq("DynamoDB_20120810.Query", `{"TableName":"`+tbl+`chaos-data","KeyConditionExpression":"pk = :v","ExpressionAttributeValues":{":v":{"S":"AAPL"}}}`), "Query",
			[]Check{c("dynamodb:Query", tbl+"chaos-data")}, map[int]map[string][]string{0: {"dynamodb:LeadingKeys": {"AAPL"}}}, ""},
		{"ddb batch get by table ARN", "dynamodb", jsonReq("DynamoDB_20120810.BatchGetItem", `{"RequestItems":{"`+tbl+`chaos-data":{"Keys":[{"pk":{"S":"A"}}]}}}`), "BatchGetItem",
			[]Check{c("dynamodb:BatchGetItem", tbl+"chaos-data")}, map[int]map[string][]string{0: {"dynamodb:LeadingKeys": {"A"}}}, ""},
		{"ddb get by another region's ARN", "dynamodb", jsonReq("DynamoDB_20120810.GetItem", `{"TableName":"arn:aws:dynamodb:eu-west-1:000000000000:table/chaos-data","Key":{"pk":{"S":"A"}}}`), "GetItem",
			[]Check{c("dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:000000000000:table/chaos-data")}, nil, ""},
		{"ddb scan", "dynamodb", jsonReq("DynamoDB_20120810.Scan", `{"TableName":"other"}`), "Scan", []Check{c("dynamodb:Scan", tbl+"other")}, nil, ""},
		{"ddb transact write: one check per item", "dynamodb", jsonReq("DynamoDB_20120810.TransactWriteItems", `{"TransactItems":[
			{"Put":{"TableName":"chaos-data","Item":{"pk":{"S":"A"}}}},
			{"Update":{"TableName":"idem","Key":{"id":{"S":"e"}}}},
			{"ConditionCheck":{"TableName":"chaos-data","Key":{"pk":{"S":"B"}}}},
			{"Delete":{"TableName":"idem","Key":{"id":{"S":"f"}}}}]}`), "TransactWriteItems",
			[]Check{c("dynamodb:PutItem", tbl+"chaos-data"), c("dynamodb:UpdateItem", tbl+"idem"), c("dynamodb:ConditionCheckItem", tbl+"chaos-data"), c("dynamodb:DeleteItem", tbl+"idem")},
			map[int]map[string][]string{0: {"dynamodb:LeadingKeys": {"A"}}, 2: {"dynamodb:LeadingKeys": {"B"}}}, ""},
		{"ddb transact get", "dynamodb", jsonReq("DynamoDB_20120810.TransactGetItems", `{"TransactItems":[{"Get":{"TableName":"chaos-data","Key":{"pk":{"S":"A"}}}}]}`), "TransactGetItems",
			[]Check{c("dynamodb:GetItem", tbl+"chaos-data")}, nil, ""},
		{"ddb transact without action", "dynamodb", jsonReq("DynamoDB_20120810.TransactWriteItems", `{"TransactItems":[{"Frob":{}}]}`), "TransactWriteItems", nil, nil, "TransactItems[0]"},
		{"ddb batch write: per table", "dynamodb", jsonReq("DynamoDB_20120810.BatchWriteItem", `{"RequestItems":{"chaos-data":[{"PutRequest":{"Item":{"pk":{"S":"A"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"B"}}}}],"b":[{"PutRequest":{"Item":{"id":{"S":"x"}}}}]}}`), "BatchWriteItem",
			[]Check{c("dynamodb:BatchWriteItem", tbl+"b"), c("dynamodb:BatchWriteItem", tbl+"chaos-data")}, map[int]map[string][]string{1: {"dynamodb:LeadingKeys": {"A", "B"}}}, ""},
		{"ddb batch get", "dynamodb", jsonReq("DynamoDB_20120810.BatchGetItem", `{"RequestItems":{"chaos-data":{"Keys":[{"pk":{"S":"A"}}]}}}`), "BatchGetItem",
			[]Check{c("dynamodb:BatchGetItem", tbl+"chaos-data")}, map[int]map[string][]string{0: {"dynamodb:LeadingKeys": {"A"}}}, ""},
		{"ddb describe", "dynamodb", jsonReq("DynamoDB_20120810.DescribeTable", `{"TableName":"chaos-data"}`), "DescribeTable",
			[]Check{c("dynamodb:DescribeTable", tbl+"chaos-data")}, nil, ""},
		{"ddb list", "dynamodb", jsonReq("DynamoDB_20120810.ListTables", `{}`), "ListTables", []Check{c("dynamodb:ListTables", "*")}, nil, ""},
		{"ddb partiql", "dynamodb", jsonReq("DynamoDB_20120810.ExecuteStatement", `{"Statement":"SELECT * FROM t"}`), "ExecuteStatement", nil, nil, "unmapped"},
		{"ddb streams", "dynamodb", jsonReq("DynamoDBStreams_20120810.GetRecords", `{}`), "GetRecords", nil, nil, "unmapped"},
		// SSM.
		{"logs groups", "logs", jsonReq("Logs_20140328.DescribeLogGroups", `{}`), "DescribeLogGroups",
			[]Check{c("logs:DescribeLogGroups", "arn:aws:logs:us-east-1:000000000000:log-group::log-stream:")}, nil, ""},
		{"logs filter by another account's ARN", "logs", jsonReq("Logs_20140328.FilterLogEvents", `{"logGroupIdentifier":"arn:aws:logs:us-east-1:111111111111:log-group:g"}`), "FilterLogEvents",
			[]Check{c("logs:FilterLogEvents", "arn:aws:logs:us-east-1:111111111111:log-group:g:*")}, nil, ""},
		{"logs filter", "logs", jsonReq("Logs_20140328.FilterLogEvents", `{"logGroupName":"/aws/lambda/f","filterPattern":"ERROR"}`), "FilterLogEvents",
			[]Check{c("logs:FilterLogEvents", "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f:*")}, nil, ""},
		{"logs filter by the group's ARN", "logs", jsonReq("Logs_20140328.FilterLogEvents", `{"logGroupIdentifier":"arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f:*"}`), "FilterLogEvents",
			[]Check{c("logs:FilterLogEvents", "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f:*")}, nil, ""},
		{"logs a stream's events", "logs", jsonReq("Logs_20140328.GetLogEvents", `{"logGroupName":"g","logStreamName":"2026/12/04/[$LATEST]ab"}`), "GetLogEvents",
			[]Check{c("logs:GetLogEvents", "arn:aws:logs:us-east-1:000000000000:log-group:g:log-stream:2026/12/04/[$LATEST]ab")}, nil, ""},
		{"logs no group", "logs", jsonReq("Logs_20140328.DescribeLogStreams", `{}`), "DescribeLogStreams", nil, nil, "no logGroupName"},
		{"ssm get", "ssm", jsonReq("AmazonSSM.GetParameter", `{"Name":"CFN-ChaosLab-Fault-ABC"}`), "GetParameter",
			[]Check{c("ssm:GetParameter", "arn:aws:ssm:us-east-1:000000000000:parameter/CFN-ChaosLab-Fault-ABC")}, nil, ""},
		{"ssm get a path", "ssm", jsonReq("AmazonSSM.GetParameter", `{"Name":"/chaos/fault:3"}`), "GetParameter",
			[]Check{c("ssm:GetParameter", "arn:aws:ssm:us-east-1:000000000000:parameter/chaos/fault")}, nil, ""},
		{"ssm get by ARN", "ssm", jsonReq("AmazonSSM.GetParameter", `{"Name":"arn:aws:ssm:us-east-1:000000000000:parameter/chaos/fault:label"}`), "GetParameter",
			[]Check{c("ssm:GetParameter", "arn:aws:ssm:us-east-1:000000000000:parameter/chaos/fault")}, nil, ""},
		{"ssm put", "ssm", jsonReq("AmazonSSM.PutParameter", `{"Name":"/chaos/fault","Value":"{}","Overwrite":true}`), "PutParameter",
			[]Check{c("ssm:PutParameter", "arn:aws:ssm:us-east-1:000000000000:parameter/chaos/fault")}, map[int]map[string][]string{0: {"ssm:Overwrite": {"true"}}}, ""},
		// A ':' is a selector only where SSM reads one: PutParameter "<fault>:evil" writes the
		// parameter "<fault>:evil" (which SSM refuses as a name), so it is not authorized as <fault>.
		{"ssm put with a colon", "ssm", jsonReq("AmazonSSM.PutParameter", `{"Name":"/chaos/fault:evil","Value":"{}","Type":"String"}`), "PutParameter",
			[]Check{c("ssm:PutParameter", "arn:aws:ssm:us-east-1:000000000000:parameter/chaos/fault:evil")}, nil, ""},
		{"ssm delete with a colon", "ssm", jsonReq("AmazonSSM.DeleteParameters", `{"Names":["fault:1"]}`), "DeleteParameters",
			[]Check{c("ssm:DeleteParameters", "arn:aws:ssm:us-east-1:000000000000:parameter/fault:1")}, nil, ""},
		{"ssm history takes no selector", "ssm", jsonReq("AmazonSSM.GetParameterHistory", `{"Name":"/chaos/fault:3"}`), "GetParameterHistory",
			[]Check{c("ssm:GetParameterHistory", "arn:aws:ssm:us-east-1:000000000000:parameter/chaos/fault:3")}, nil, ""},
		{"ssm history by ARN", "ssm", jsonReq("AmazonSSM.GetParameterHistory", `{"Name":"arn:aws:ssm:us-east-1:000000000000:parameter/chaos/fault"}`), "GetParameterHistory",
			[]Check{c("ssm:GetParameterHistory", "arn:aws:ssm:us-east-1:000000000000:parameter/chaos/fault")}, nil, ""},
		{"ssm name trimmed as SSM trims it", "ssm", jsonReq("AmazonSSM.GetParameter", `{"Name":"  /chaos/fault "}`), "GetParameter",
			[]Check{c("ssm:GetParameter", "arn:aws:ssm:us-east-1:000000000000:parameter/chaos/fault")}, nil, ""},
		{"ssm get several", "ssm", jsonReq("AmazonSSM.GetParameters", `{"Names":["a","/b/c"]}`), "GetParameters",
			[]Check{c("ssm:GetParameters", "arn:aws:ssm:us-east-1:000000000000:parameter/a"), c("ssm:GetParameters", "arn:aws:ssm:us-east-1:000000000000:parameter/b/c")}, nil, ""},
		{"ssm by path", "ssm", jsonReq("AmazonSSM.GetParametersByPath", `{"Path":"/chaos/","Recursive":true}`), "GetParametersByPath",
			[]Check{c("ssm:GetParametersByPath", "arn:aws:ssm:us-east-1:000000000000:parameter/chaos")}, map[int]map[string][]string{0: {"ssm:Recursive": {"true"}}}, ""},
		{"ssm describe", "ssm", jsonReq("AmazonSSM.DescribeParameters", `{}`), "DescribeParameters", []Check{c("ssm:DescribeParameters", "*")}, nil, ""},
		{"ssm unknown", "ssm", jsonReq("AmazonSSM.SendCommand", `{}`), "SendCommand", nil, nil, "unmapped"},
		// CloudWatch: three protocols.
		{"cloudwatch cbor put", "monitoring", cborReq("PutMetricData", cbor.Map{"Namespace": cbor.String("ChaosTransformer"), "MetricData": cbor.List{}}), "PutMetricData",
			[]Check{c("cloudwatch:PutMetricData", "*")}, map[int]map[string][]string{0: {"cloudwatch:namespace": {"ChaosTransformer"}}}, ""},
		{"cloudwatch json put", "monitoring", jsonReq("GraniteServiceVersion20100801.PutMetricData", `{"Namespace":"ChaosTransformer","MetricData":[]}`), "PutMetricData",
			[]Check{c("cloudwatch:PutMetricData", "*")}, map[int]map[string][]string{0: {"cloudwatch:namespace": {"ChaosTransformer"}}}, ""},
		{"cloudwatch gzip json put", "monitoring", gzipJSONReq("GraniteServiceVersion20100801.PutMetricData", `{"Namespace":"Zipped"}`), "PutMetricData",
			[]Check{c("cloudwatch:PutMetricData", "*")}, map[int]map[string][]string{0: {"cloudwatch:namespace": {"Zipped"}}}, ""},
		{"cloudwatch query put", "monitoring", formReq("/", url.Values{"Action": {"PutMetricData"}, "Version": {"2010-08-01"}, "Namespace": {"AWS/Custom"}}), "PutMetricData",
			[]Check{c("cloudwatch:PutMetricData", "*")}, map[int]map[string][]string{0: {"cloudwatch:namespace": {"AWS/Custom"}}}, ""},
		{"cloudwatch cbor get data", "monitoring", cborReq("GetMetricData", cbor.Map{}), "GetMetricData", []Check{c("cloudwatch:GetMetricData", "*")}, nil, ""},
		{"cloudwatch query dashboard", "monitoring", formReq("/", url.Values{"Action": {"PutDashboard"}, "DashboardName": {"Chaos"}}), "PutDashboard",
			[]Check{c("cloudwatch:PutDashboard", "arn:aws:cloudwatch::000000000000:dashboard/Chaos")}, nil, ""},
		{"cloudwatch query delete dashboards", "monitoring", formReq("/", url.Values{"Action": {"DeleteDashboards"}, "DashboardNames.member.1": {"a"}, "DashboardNames.member.2": {"b"}}), "DeleteDashboards",
			[]Check{c("cloudwatch:DeleteDashboards", "arn:aws:cloudwatch::000000000000:dashboard/a"), c("cloudwatch:DeleteDashboards", "arn:aws:cloudwatch::000000000000:dashboard/b")}, nil, ""},
		{"cloudwatch cbor delete dashboards", "monitoring", cborReq("DeleteDashboards", cbor.Map{"DashboardNames": cbor.List{cbor.String("a")}}), "DeleteDashboards",
			[]Check{c("cloudwatch:DeleteDashboards", "arn:aws:cloudwatch::000000000000:dashboard/a")}, nil, ""},
		{"cloudwatch no namespace", "monitoring", cborReq("PutMetricData", cbor.Map{}), "PutMetricData", nil, nil, "no Namespace"},
		{"cloudwatch unknown", "monitoring", jsonReq("GraniteServiceVersion20100801.PutInsightRule", `{}`), "PutInsightRule", nil, nil, "unmapped"},
		// Step Functions.
		{"states start", "states", jsonReq("AWSStepFunctions.StartExecution", `{"stateMachineArn":"`+smArn+`","input":"{}"}`), "StartExecution",
			[]Check{c("states:StartExecution", smArn)}, nil, ""},
		{"states describe", "states", jsonReq("AWSStepFunctions.DescribeExecution", `{"executionArn":"`+exeArn+`"}`), "DescribeExecution",
			[]Check{c("states:DescribeExecution", exeArn)}, nil, ""},
		{"states history", "states", jsonReq("AWSStepFunctions.GetExecutionHistory", `{"executionArn":"`+exeArn+`"}`), "GetExecutionHistory",
			[]Check{c("states:GetExecutionHistory", exeArn)}, nil, ""},
		{"states create passes the role", "states", jsonReq("AWSStepFunctions.CreateStateMachine", `{"name":"ChaosLab-Experiment","definition":"{}","roleArn":"arn:aws:iam::000000000000:role/r"}`), "CreateStateMachine",
			[]Check{c("states:CreateStateMachine", smArn), c("iam:PassRole", "arn:aws:iam::000000000000:role/r")}, map[int]map[string][]string{1: {"iam:PassedToService": {"states.amazonaws.com"}}}, ""},
		{"states list", "states", jsonReq("AWSStepFunctions.ListStateMachines", `{}`), "ListStateMachines", []Check{c("states:ListStateMachines", "*")}, nil, ""},
		{"states no arn", "states", jsonReq("AWSStepFunctions.StartExecution", `{}`), "StartExecution", nil, nil, "no stateMachineArn"},
		{"states list executions", "states", jsonReq("AWSStepFunctions.ListExecutions", `{"stateMachineArn":"`+smArn+`"}`), "ListExecutions",
			[]Check{c("states:ListExecutions", smArn)}, nil, ""},
		{"states list a map run's executions", "states", jsonReq("AWSStepFunctions.ListExecutions", `{"mapRunArn":"arn:aws:states:us-east-1:000000000000:mapRun:m/run:1"}`), "ListExecutions",
			[]Check{c("states:ListExecutions", "arn:aws:states:us-east-1:000000000000:mapRun:m/run:1")}, nil, ""},
		{"states list executions of nothing", "states", jsonReq("AWSStepFunctions.ListExecutions", `{}`), "ListExecutions", nil, nil, "no stateMachineArn"},
		// Lambda.
		{"lambda list mappings", "lambda", restReq(http.MethodGet, "/2015-03-31/event-source-mappings/?FunctionName=etl", nil, ""), "ListEventSourceMappings",
			[]Check{c("lambda:ListEventSourceMappings", "*")}, nil, ""},
		{"lambda get a mapping", "lambda", restReq(http.MethodGet, "/2015-03-31/event-source-mappings/1234-ab", nil, ""), "GetEventSourceMapping",
			[]Check{c("lambda:GetEventSourceMapping", "arn:aws:lambda:us-east-1:000000000000:event-source-mapping:1234-ab")}, nil, ""},
		{"lambda switch a mapping off", "lambda", restReq(http.MethodPut, "/2015-03-31/event-source-mappings/1234-ab", nil, `{"Enabled":false}`), "UpdateEventSourceMapping",
			[]Check{c("lambda:UpdateEventSourceMapping", "arn:aws:lambda:us-east-1:000000000000:event-source-mapping:1234-ab")}, nil, ""},
		{"lambda invoke", "lambda", restReq(http.MethodPost, "/2015-03-31/functions/etl/invocations", nil, "{}"), "Invoke",
			[]Check{c("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:000000000000:function:etl")}, nil, ""},
		{"lambda invoke qualified", "lambda", restReq(http.MethodPost, "/2015-03-31/functions/etl/invocations?Qualifier=live", nil, "{}"), "Invoke",
			[]Check{c("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:000000000000:function:etl:live")}, nil, ""},
		{"lambda invoke by ARN", "lambda", restReq(http.MethodPost, "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Aetl/invocations", nil, "{}"), "Invoke",
			[]Check{c("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:000000000000:function:etl")}, nil, ""},
		{"lambda invoke qualified in the name", "lambda", restReq(http.MethodPost, "/2015-03-31/functions/etl:$LATEST/invocations", nil, "{}"), "Invoke",
			[]Check{c("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:000000000000:function:etl:$LATEST")}, nil, ""},
		{"lambda invoke by partial ARN with region", "lambda", restReq(http.MethodPost, "/2015-03-31/functions/us-east-1:000000000000:function:etl/invocations", nil, "{}"), "Invoke",
			[]Check{c("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:000000000000:function:etl")}, nil, ""},
		{"lambda invoke function: prefix", "lambda", restReq(http.MethodPost, "/2015-03-31/functions/function:etl/invocations?Qualifier=live", nil, "{}"), "Invoke",
			[]Check{c("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:000000000000:function:etl:live")}, nil, ""},
		{"lambda get", "lambda", restReq(http.MethodGet, "/2015-03-31/functions/etl", nil, ""), "GetFunction",
			[]Check{c("lambda:GetFunction", "arn:aws:lambda:us-east-1:000000000000:function:etl")}, nil, ""},
		{"lambda configuration", "lambda", restReq(http.MethodGet, "/2015-03-31/functions/etl/configuration", nil, ""), "GetFunctionConfiguration",
			[]Check{c("lambda:GetFunctionConfiguration", "arn:aws:lambda:us-east-1:000000000000:function:etl")}, nil, ""},
		{"lambda concurrency", "lambda", restReq(http.MethodGet, "/2019-09-30/functions/etl/concurrency", nil, ""), "GetFunctionConcurrency",
			[]Check{c("lambda:GetFunctionConcurrency", "arn:aws:lambda:us-east-1:000000000000:function:etl")}, nil, ""},
		{"lambda list", "lambda", restReq(http.MethodGet, "/2015-03-31/functions/", nil, ""), "ListFunctions", []Check{c("lambda:ListFunctions", "*")}, nil, ""},
		{"lambda unknown", "lambda", restReq(http.MethodPut, "/2015-03-31/functions/etl/concurrency", nil, "{}"), "PUT /2015-03-31/functions/etl/concurrency", nil, nil, "unmapped"},
		// S3, path style.
		{"s3 list buckets", "s3", restReq(http.MethodGet, "/", nil, ""), "ListBuckets", []Check{c("s3:ListAllMyBuckets", "*")}, nil, ""},
		{"s3 list objects", "s3", restReq(http.MethodGet, "/b?list-type=2&prefix=input%2F&delimiter=%2F", nil, ""), "ListBucket",
			[]Check{c("s3:ListBucket", "arn:aws:s3:::b")}, map[int]map[string][]string{0: {"s3:prefix": {"input/"}, "s3:delimiter": {"/"}}}, ""},
		{"s3 head bucket", "s3", restReq(http.MethodHead, "/b", nil, ""), "ListBucket", []Check{c("s3:ListBucket", "arn:aws:s3:::b")}, nil, ""},
		{"s3 create bucket", "s3", restReq(http.MethodPut, "/b", nil, ""), "CreateBucket", []Check{c("s3:CreateBucket", "arn:aws:s3:::b")}, nil, ""},
		{"s3 delete bucket", "s3", restReq(http.MethodDelete, "/b/", nil, ""), "DeleteBucket", []Check{c("s3:DeleteBucket", "arn:aws:s3:::b")}, nil, ""},
		{"s3 get notification", "s3", restReq(http.MethodGet, "/b?notification", nil, ""), "GetBucketNotification",
			[]Check{c("s3:GetBucketNotification", "arn:aws:s3:::b")}, nil, ""},
		{"s3 put notification", "s3", restReq(http.MethodPut, "/b?notification=", nil, "<NotificationConfiguration/>"), "PutBucketNotification",
			[]Check{c("s3:PutBucketNotification", "arn:aws:s3:::b")}, nil, ""},
		{"s3 delete policy", "s3", restReq(http.MethodDelete, "/b?policy", nil, ""), "DeleteBucketPolicy",
			[]Check{c("s3:DeleteBucketPolicy", "arn:aws:s3:::b")}, nil, ""},
		{"s3 delete tagging is put", "s3", restReq(http.MethodDelete, "/b?tagging", nil, ""), "PutBucketTagging",
			[]Check{c("s3:PutBucketTagging", "arn:aws:s3:::b")}, nil, ""},
		{"s3 versions", "s3", restReq(http.MethodGet, "/b?versions&prefix=a", nil, ""), "ListBucketVersions",
			[]Check{c("s3:ListBucketVersions", "arn:aws:s3:::b")}, map[int]map[string][]string{0: {"s3:prefix": {"a"}}}, ""},
		{"s3 unknown subresource", "s3", restReq(http.MethodGet, "/b?intelligent-tiering", nil, ""), "GET /b", nil, nil, "unmapped"},
		{"s3 get object", "s3", restReq(http.MethodGet, "/b/input/2024/a%20b.json?x-id=GetObject", nil, ""), "GetObject",
			[]Check{c("s3:GetObject", "arn:aws:s3:::b/input/2024/a b.json")}, nil, ""},
		{"s3 get object version", "s3", restReq(http.MethodGet, "/b/input/a.json?versionId=3", nil, ""), "GetObject",
			[]Check{c("s3:GetObjectVersion", "arn:aws:s3:::b/input/a.json")}, nil, ""},
		{"s3 head object", "s3", restReq(http.MethodHead, "/b/input/a.json", nil, ""), "GetObject", []Check{c("s3:GetObject", "arn:aws:s3:::b/input/a.json")}, nil, ""},
		{"s3 presigned get", "s3", restReq(http.MethodGet, "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=ab", nil, ""), "GetObject",
			[]Check{c("s3:GetObject", "arn:aws:s3:::b/k")}, nil, ""},
		{"s3 put object", "s3", restReq(http.MethodPut, "/b/output/r.csv", map[string]string{"X-Amz-Server-Side-Encryption": "AES256"}, "a,b"), "PutObject",
			[]Check{c("s3:PutObject", "arn:aws:s3:::b/output/r.csv")}, map[int]map[string][]string{0: {"s3:x-amz-server-side-encryption": {"AES256"}}}, ""},
		{"s3 put object with tags", "s3", restReq(http.MethodPut, "/b/k", map[string]string{"X-Amz-Tagging": "a=b"}, "x"), "PutObject",
			[]Check{c("s3:PutObject", "arn:aws:s3:::b/k"), c("s3:PutObjectTagging", "arn:aws:s3:::b/k")}, nil, ""},
		{"s3 copy reads the source", "s3", restReq(http.MethodPut, "/b/output/c.json", map[string]string{"X-Amz-Copy-Source": "/b/input/a%20b.json"}, ""), "CopyObject",
			[]Check{c("s3:PutObject", "arn:aws:s3:::b/output/c.json"), c("s3:GetObject", "arn:aws:s3:::b/input/a b.json")}, nil, ""},
		{"s3 copy a version", "s3", restReq(http.MethodPut, "/b/c", map[string]string{"X-Amz-Copy-Source": "src/k?versionId=2"}, ""), "CopyObject",
			[]Check{c("s3:PutObject", "arn:aws:s3:::b/c"), c("s3:GetObjectVersion", "arn:aws:s3:::src/k")}, nil, ""},
		// A key's own '?' is %3F: the whole key is read (decoded before the cut, b/a was checked).
		{"s3 copy a key holding ?", "s3", restReq(http.MethodPut, "/b/c", map[string]string{"X-Amz-Copy-Source": "/b/a%3Fsecret"}, ""), "CopyObject",
			[]Check{c("s3:PutObject", "arn:aws:s3:::b/c"), c("s3:GetObject", "arn:aws:s3:::b/a?secret")}, nil, ""},
		{"s3 copy source with a query other than versionId", "s3", restReq(http.MethodPut, "/b/c", map[string]string{"X-Amz-Copy-Source": "/b/a?secret"}, ""), "CopyObject",
			nil, nil, "after '?' only versionId=<id>"},
		{"s3 upload part", "s3", restReq(http.MethodPut, "/b/k?partNumber=1&uploadId=u", nil, "x"), "PutObject", []Check{c("s3:PutObject", "arn:aws:s3:::b/k")}, nil, ""},
		{"s3 create multipart", "s3", restReq(http.MethodPost, "/b/k?uploads", nil, ""), "PutObject", []Check{c("s3:PutObject", "arn:aws:s3:::b/k")}, nil, ""},
		{"s3 complete multipart", "s3", restReq(http.MethodPost, "/b/k?uploadId=u", nil, "<CompleteMultipartUpload/>"), "PutObject", []Check{c("s3:PutObject", "arn:aws:s3:::b/k")}, nil, ""},
		{"s3 abort multipart", "s3", restReq(http.MethodDelete, "/b/k?uploadId=u", nil, ""), "AbortMultipartUpload",
			[]Check{c("s3:AbortMultipartUpload", "arn:aws:s3:::b/k")}, nil, ""},
		{"s3 delete object", "s3", restReq(http.MethodDelete, "/b/input/a.json", nil, ""), "DeleteObject",
			[]Check{c("s3:DeleteObject", "arn:aws:s3:::b/input/a.json")}, nil, ""},
		{"s3 delete object version", "s3", restReq(http.MethodDelete, "/b/k?versionId=1", nil, ""), "DeleteObject",
			[]Check{c("s3:DeleteObjectVersion", "arn:aws:s3:::b/k")}, nil, ""},
		{"s3 object tagging", "s3", restReq(http.MethodGet, "/b/k?tagging", nil, ""), "GetObjectTagging", []Check{c("s3:GetObjectTagging", "arn:aws:s3:::b/k")}, nil, ""},
		{"s3 object acl of a version", "s3", restReq(http.MethodGet, "/b/k?acl&versionId=1", nil, ""), "GetObjectAcl", []Check{c("s3:GetObjectVersionAcl", "arn:aws:s3:::b/k")}, nil, ""},
		{"s3 delete objects: each key", "s3", restReq(http.MethodPost, "/b?delete", nil,
			`<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>input/a.json</Key></Object><Object><Key>output/r.csv</Key><VersionId>7</VersionId></Object><Quiet>true</Quiet></Delete>`), "DeleteObjects",
			[]Check{c("s3:DeleteObject", "arn:aws:s3:::b/input/a.json"), c("s3:DeleteObjectVersion", "arn:aws:s3:::b/output/r.csv")}, nil, ""},
		{"s3 delete objects: empty", "s3", restReq(http.MethodPost, "/b?delete", nil, `<Delete></Delete>`), "DeleteObjects", nil, nil, "no Object"},
		{"s3 delete objects: a key escaped", "s3", restReq(http.MethodPost, "/b?delete", nil, `<Delete><Object><Key>a&amp;b&lt;c</Key></Object></Delete>`), "DeleteObjects",
			[]Check{c("s3:DeleteObject", "arn:aws:s3:::b/a&b<c")}, nil, ""},
		// A query request whose parameters can be read two ways is refused: the services behind the
		// gateway read them each their own way.
		{"sns query: parameters in the URL and the body", "sns", restReq(http.MethodPost, "/?Action=Publish&TopicArn="+url.QueryEscape(tArn),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "Action=Publish&TopicArn="+url.QueryEscape(tArn+"-other")+"&Message=m"),
			"", nil, nil, "both in the URL's query (Action, TopicArn) and in the body"},
		{"sns query: a parameter twice", "sns", formReq("/", url.Values{"Action": {"Publish"}, "TopicArn": {tArn, tArn + "-other"}}),
			"", nil, nil, "TopicArn given 2 times"},
		{"sqs query: a body that is not a form", "sqs", restReq(http.MethodPost, "/000000000000/q?Action=SendMessage",
			map[string]string{"Content-Type": "text/plain"}, "QueueUrl="+url.QueryEscape(qURL+"-other")), "", nil, nil, `must be application/x-www-form-urlencoded, not "text/plain"`},
		{"sqs query: a GET with a body", "sqs", restReq(http.MethodGet, "/000000000000/q?Action=PurgeQueue",
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "QueueUrl="+url.QueryEscape(qURL+"-other")), "", nil, nil, "has a body too"},
		{"sqs query: a GET, the parameters in the URL", "sqs", restReq(http.MethodGet, "/000000000000/q?Action=PurgeQueue", nil, ""), "PurgeQueue",
			[]Check{c("sqs:PurgeQueue", "arn:aws:sqs:us-east-1:000000000000:q")}, nil, ""},
		// Others.
		{"an unknown service", "kinesis", jsonReq("Kinesis_20131202.PutRecord", `{}`), "", nil, nil, "unmapped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.req()
			var want []byte
			if r.Body != nil {
				want, _ = io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(want))
			}
			op, err := m.Map(tt.service, r)
			// The body is whole for the next handler, whatever Map read.
			if r.Body != nil {
				got, _ := io.ReadAll(r.Body)
				if !bytes.Equal(got, want) {
					t.Errorf("the body after Map is %q, want %q", got, want)
				}
			}
			if op.Name != tt.op {
				t.Errorf("operation %q, want %q", op.Name, tt.op)
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				if (tt.err == "unmapped") != errors.Is(err, ErrUnmapped) {
					t.Errorf("errors.Is(%v, ErrUnmapped) = %v", err, errors.Is(err, ErrUnmapped))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if op.Service != tt.service {
				t.Errorf("service %q", op.Service)
			}
			var got []Check
			for _, ch := range op.Checks {
				got = append(got, c(ch.Action, ch.Resource))
			}
			if !reflect.DeepEqual(got, tt.checks) {
				t.Errorf("checks\n got %v\nwant %v", got, tt.checks)
			}
			for i, keys := range tt.ctx {
				if i >= len(op.Checks) {
					continue
				}
				for k, v := range keys {
					if !reflect.DeepEqual(op.Checks[i].Context[k], v) {
						t.Errorf("check %d: %s = %v, want %v", i, k, op.Checks[i].Context[k], v)
					}
				}
			}
			for i, ch := range op.Checks {
				if ch.Context["aws:SecureTransport"] == nil || ch.Context["aws:RequestedRegion"] == nil {
					t.Errorf("check %d lacks the global keys: %v", i, ch.Context)
				}
			}
		})
	}
}

func TestMapGlobalContext(t *testing.T) {
	req := func() *http.Request {
		r := jsonReq("AmazonSQS.SendMessage", `{"QueueUrl":"`+qURL+`"}`)()
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/eu-west-1/sqs/aws4_request, SignedHeaders=host, Signature=ab")
		r.RemoteAddr = "127.0.0.1:50000"
		return r
	}
	op, err := (&Mapper{}).Map("sqs", req())
	if err != nil {
		t.Fatal(err)
	}
	ctx := op.Checks[0].Context
	for k, v := range map[string]string{"aws:SecureTransport": "true", "aws:RequestedRegion": "eu-west-1", "aws:SourceIp": "127.0.0.1"} {
		if len(ctx[k]) != 1 || ctx[k][0] != v {
			t.Errorf("%s = %v, want %s", k, ctx[k], v)
		}
	}
	op, _ = (&Mapper{Insecure: true}).Map("sqs", req())
	if got := op.Checks[0].Context["aws:SecureTransport"]; got[0] != "false" {
		t.Errorf("Insecure, plain HTTP: aws:SecureTransport %v", got)
	}
	r := req()
	r.TLS = &tls.ConnectionState{}
	op, _ = (&Mapper{Insecure: true}).Map("sqs", r)
	if got := op.Checks[0].Context["aws:SecureTransport"]; got[0] != "true" {
		t.Errorf("Insecure, TLS: aws:SecureTransport %v", got)
	}
	// Requests adds the caller's keys under the check's own.
	reqs := op.Requests("s3.amazonaws.com", map[string][]string{"aws:SourceArn": {"arn:aws:s3:::b"}, "aws:SecureTransport": {"false"}})
	if len(reqs) != 1 || reqs[0].Principal != "s3.amazonaws.com" || reqs[0].Context["aws:SourceArn"][0] != "arn:aws:s3:::b" || reqs[0].Context["aws:SecureTransport"][0] != "true" {
		t.Errorf("Requests: %+v", reqs)
	}
}

func TestMapBodyGetBody(t *testing.T) {
	body := `{"QueueUrl":"` + qURL + `","MessageBody":"hello"}`
	r := jsonReq("AmazonSQS.SendMessage", body)()
	if _, err := (&Mapper{}).Map("sqs", r); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		rc, err := r.GetBody()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		if string(b) != body {
			t.Errorf("GetBody #%d: %q", i, b)
		}
	}
	// An S3 object body is not read at all: the handler gets the client's reader.
	src := &countingReader{r: strings.NewReader("payload")}
	r = httptest.NewRequest(http.MethodPut, "/b/k", src)
	if _, err := (&Mapper{}).Map("s3", r); err != nil {
		t.Fatal(err)
	}
	if src.n != 0 {
		t.Errorf("Map read %d bytes of an object body", src.n)
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// A table named by an ARN DynamoDB Local would read as the table of that name here, though IAM
// decided on another, is refused with DynamoDB's error, in every member that names a table.
func TestCheckDynamoDBTables(t *testing.T) {
	m := &Mapper{}
	const (
		region  = "arn:aws:dynamodb:eu-west-1:000000000000:table/Victim"
		account = "arn:aws:dynamodb:us-east-1:123456789012:table/Victim"
		index   = "arn:aws:dynamodb:us-east-1:000000000000:table/Victim/index/i"
	)
	for _, tc := range []struct{ target, body, code string }{
		{"GetItem", `{"TableName":"Victim","Key":{}}`, ""},
		{"GetItem", `{"TableName":"` + tbl + `Victim","Key":{}}`, ""},
		{"ListTables", `{}`, ""},
		{"GetItem", `{"TableName":"` + account + `","Key":{}}`, "ResourceNotFoundException"},
		{"GetItem", `{"TableName":"` + region + `","Key":{}}`, "ValidationException"},
		{"Query", `{"TableName":"` + index + `"}`, "ValidationException"},
		{"DescribeTable", `{"TableName":"arn:aws:sqs:us-east-1:000000000000:Victim"}`, "ValidationException"},
		{"BatchGetItem", `{"RequestItems":{"a":{"Keys":[]},"` + account + `":{"Keys":[]}}}`, "ResourceNotFoundException"},
		{"BatchWriteItem", `{"RequestItems":{"` + region + `":[]}}`, "ValidationException"},
		{"TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"a"}},{"ConditionCheck":{"TableName":"` + account + `"}}]}`, "ResourceNotFoundException"},
		{"TransactGetItems", `{"TransactItems":[{"Get":{"TableName":"` + region + `"}}]}`, "ValidationException"},
	} {
		r := jsonReq("DynamoDB_20120810."+tc.target, tc.body)()
		err := m.CheckDynamoDBTables(r)
		got := ""
		if te := (*TableError)(nil); errors.As(err, &te) {
			got = te.Code
		} else if err != nil {
			t.Errorf("%s: %v, want nil or a *TableError", tc.target, err)
		}
		if got != tc.code {
			t.Errorf("%s %s: %v, want %q", tc.target, tc.body, err, tc.code)
		}
		if b, _ := io.ReadAll(r.Body); string(b) != tc.body {
			t.Errorf("%s: the body left for DynamoDB Local is %q", tc.target, b)
		}
	}
}
