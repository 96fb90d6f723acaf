package iam

import (
	"cmp"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/internal/ssmname"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/lambdaname"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/modelrule"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/sqstask"
)

// SQS: the JSON protocol (X-Amz-Target: AmazonSQS.<Op>, QueueUrl in the body) and the query
// protocol (Action=<Op>, QueueUrl in the form or the queue URL as the request path).
func (m *Mapper) sqs(r *http.Request) (Operation, error) {
	name, p, err := protocolParams(r)
	op := Operation{Name: name}
	if err != nil {
		return op, err
	}
	queueURL := p.str("QueueUrl")
	if queueURL == "" && p.form != nil {
		if parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/"); len(parts) == 2 && isAccountID(parts[0]) {
			queueURL = r.URL.Path
		}
	}
	queue := func(action string) (Operation, error) {
		if queueURL == "" {
			return op, missing("QueueUrl")
		}
		op.Checks = []Check{check("sqs:"+action, QueueARN(queueURL, m.region(), m.account()))}
		return op, nil
	}
	switch name {
	case "SendMessage", "SendMessageBatch":
		return queue("SendMessage")
	case "DeleteMessage", "DeleteMessageBatch":
		return queue("DeleteMessage")
	case "ChangeMessageVisibility", "ChangeMessageVisibilityBatch":
		return queue("ChangeMessageVisibility")
	case "ReceiveMessage", "GetQueueAttributes", "SetQueueAttributes", "DeleteQueue", "PurgeQueue",
		"ListQueueTags", "TagQueue", "UntagQueue", "AddPermission", "RemovePermission", "ListDeadLetterSourceQueues":
		return queue(name)
	case "GetQueueUrl", "CreateQueue":
		q := p.str("QueueName")
		if q == "" {
			return op, missing("QueueName")
		}
		acct := p.str("QueueOwnerAWSAccountId")
		if acct == "" {
			acct = m.account()
		}
		arn := "arn:aws:sqs:" + m.region() + ":" + acct + ":" + q
		op.Checks = []Check{check("sqs:"+name, arn)}
		// "To be able to tag a queue on creation, you must have the sqs:CreateQueue and
		// sqs:TagQueue permissions" (CreateQueue's API reference): tags in JSON's tags map or the
		// query protocol's Tag.N.
		if tags, _ := p.json["tags"].(map[string]any); name == "CreateQueue" && (len(tags) > 0 || p.has("Tag.1.Key")) {
			op.Checks = append(op.Checks, check("sqs:TagQueue", arn))
		}
		return op, nil
	case "ListQueues":
		op.Checks = []Check{check("sqs:ListQueues", "*")}
		return op, nil
	case "StartMessageMoveTask", "ListMessageMoveTasks":
		src := p.str("SourceArn")
		if src == "" {
			return op, missing("SourceArn")
		}
		op.Checks = []Check{check("sqs:"+name, src)}
		if name == "StartMessageMoveTask" {
			// What the task then does on the caller's behalf, as SQS's troubleshooting page for
			// DLQ redrives lists it: read and delete the source's messages, send to the destination.
			// (Without DestinationArn the destination is the source's source queue, not known here.)
			for _, a := range []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"} {
				op.Checks = append(op.Checks, check(a, src))
			}
			if dst := p.str("DestinationArn"); dst != "" {
				op.Checks = append(op.Checks, check("sqs:SendMessage", dst))
			}
		}
		return op, nil
	case "CancelMessageMoveTask":
		// Authorized on the task's source queue, which its handle names.
		h := p.str("TaskHandle")
		if h == "" {
			return op, missing("TaskHandle")
		}
		src := sqstask.Source(h)
		if src == "" {
			src = "*" // not a handle: the service answers ResourceNotFound once IAM lets it through
		}
		op.Checks = []Check{check("sqs:CancelMessageMoveTask", src)}
		return op, nil
	}
	return op, unmapped(name)
}

// SNS: the query protocol (Action=<Op>) and, for newer clients, JSON (X-Amz-Target).
func (m *Mapper) sns(r *http.Request) (Operation, error) {
	name, p, err := protocolParams(r)
	op := Operation{Name: name}
	if err != nil {
		return op, err
	}
	on := func(action, member string) (Operation, error) {
		arn := p.str(member)
		if arn == "" {
			return op, missing(member)
		}
		op.Checks = []Check{check("sns:"+action, arn)}
		return op, nil
	}
	switch name {
	case "Publish":
		if p.str("PhoneNumber") != "" {
			return op, unmapped("Publish to a phone number")
		}
		if p.str("TopicArn") == "" {
			return on("Publish", "TargetArn")
		}
		return on("Publish", "TopicArn")
	case "PublishBatch":
		return on("Publish", "TopicArn")
	case "Subscribe":
		op, err := on("Subscribe", "TopicArn")
		if err == nil {
			op.Checks[0].Context = map[string][]string{}
			if v := p.str("Protocol"); v != "" {
				op.Checks[0].Context["sns:Protocol"] = []string{v}
			}
			if v := p.str("Endpoint"); v != "" {
				op.Checks[0].Context["sns:Endpoint"] = []string{v}
			}
		}
		return op, err
	case "ConfirmSubscription", "ListSubscriptionsByTopic", "GetTopicAttributes", "SetTopicAttributes",
		"DeleteTopic", "AddPermission", "RemovePermission":
		return on(name, "TopicArn")
	case "GetDataProtectionPolicy", "PutDataProtectionPolicy", "TagResource", "UntagResource", "ListTagsForResource":
		return on(name, "ResourceArn")
	case "CreateTopic":
		t := p.str("Name")
		if t == "" {
			return op, missing("Name")
		}
		op.Checks = []Check{check("sns:CreateTopic", m.arn("sns", t))}
		return op, nil
	case "Unsubscribe", "GetSubscriptionAttributes", "SetSubscriptionAttributes", "ListTopics", "ListSubscriptions":
		// No resource-level permission: the subscription is not an IAM resource.
		op.Checks = []Check{check("sns:"+name, "*")}
		return op, nil
	}
	return op, unmapped(name)
}

// DynamoDB: JSON 1.0, X-Amz-Target: DynamoDB_20120810.<Op>.
func (m *Mapper) dynamodb(r *http.Request) (Operation, error) {
	prefix, name, ok := jsonTarget(r)
	op := Operation{Name: name}
	if !ok {
		return op, unmapped("request without X-Amz-Target")
	}
	if strings.HasPrefix(prefix, "DynamoDBStreams") {
		return op, unmapped("DynamoDB Streams " + name)
	}
	p, err := jsonParams(r)
	if err != nil {
		return op, err
	}
	// table is the resource of a TableName: the table's ARN here, whether named by name or by that
	// ARN; any other ARN is checked as given (the cloud refuses it before DynamoDB Local, TableError).
	table := func(t string) string {
		if name, err := m.tableName(t); err == nil {
			return m.arn("dynamodb", "table/"+name)
		}
		return t
	}
	// hashKey is the partition key attribute of the table t names, if known.
	hashKey := func(t string) string {
		name, _ := m.tableName(t)
		return m.HashKeys[name]
	}
	// item builds the check of one action on one table, with the request's condition keys.
	item := func(action, t string, body map[string]any, keys ...map[string]any) Check {
		c := check("dynamodb:"+action, table(t))
		c.Context = map[string][]string{}
		if hk := hashKey(t); hk != "" {
			var lead []string
			for _, k := range keys {
				if v, ok := attrValue(k[hk]); ok {
					lead = append(lead, v)
				}
			}
			if len(lead) > 0 {
				c.Context["dynamodb:LeadingKeys"] = lead
			}
		}
		for _, k := range []string{"Select", "ReturnValues", "ReturnConsumedCapacity"} {
			if v := str(body, k); v != "" {
				c.Context["dynamodb:"+k] = []string{v}
			}
		}
		return c
	}
	obj := func(v any) map[string]any { o, _ := v.(map[string]any); return o }
	tableName := p.str("TableName")
	switch name {
	case "GetItem", "UpdateItem", "DeleteItem":
		if tableName == "" {
			return op, missing("TableName")
		}
		op.Checks = []Check{item(name, tableName, p.json, obj(p.json["Key"]))}
	case "PutItem":
		if tableName == "" {
			return op, missing("TableName")
		}
		op.Checks = []Check{item(name, tableName, p.json, obj(p.json["Item"]))}
	case "Query", "Scan":
		if tableName == "" {
			return op, missing("TableName")
		}
		var keys []map[string]any
		if name == "Query" {
			if hk := hashKey(tableName); hk != "" {
				v := queryHashValue(p.json, hk)
				if v == nil && p.str("IndexName") == "" {
					// Without it dynamodb:LeadingKeys would be absent, and ForAllValues:StringEquals
					// on it, the usual way to confine a caller to its partitions, true: any partition.
					return op, fmt.Errorf("Query on %s: the partition key %s's value is not found: write %s = :value in KeyConditionExpression (or KeyConditions)", tableName, hk, hk)
				}
				if v != nil {
					keys = append(keys, map[string]any{hk: v})
				}
			}
		}
		c := item(name, tableName, p.json, keys...)
		if idx := p.str("IndexName"); idx != "" {
			c.Resource += "/index/" + idx
		}
		op.Checks = []Check{c}
	case "BatchGetItem", "BatchWriteItem":
		reqs := obj(p.json["RequestItems"])
		if len(reqs) == 0 {
			return op, missing("RequestItems")
		}
		for _, t := range sortedKeys(reqs) {
			var keys []map[string]any
			switch x := reqs[t].(type) {
			case map[string]any: // BatchGetItem: {Keys: [...]}
				for _, k := range asList(x["Keys"]) {
					keys = append(keys, obj(k))
				}
			case []any: // BatchWriteItem: [{PutRequest: {Item}}, {DeleteRequest: {Key}}]
				for _, w := range x {
					wm := obj(w)
					if put := obj(wm["PutRequest"]); put != nil {
						keys = append(keys, obj(put["Item"]))
					}
					if del := obj(wm["DeleteRequest"]); del != nil {
						keys = append(keys, obj(del["Key"]))
					}
				}
			}
			op.Checks = append(op.Checks, item(name, t, p.json, keys...))
		}
	case "TransactWriteItems", "TransactGetItems":
		items := asList(p.json["TransactItems"])
		if len(items) == 0 {
			return op, missing("TransactItems")
		}
		// AWS authorizes a transaction as each of its items' actions on the item's table.
		actions := map[string]string{"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}
		for i, it := range items {
			im := obj(it)
			found := false
			for _, kind := range []string{"Put", "Update", "Delete", "ConditionCheck", "Get"} {
				x := obj(im[kind])
				if x == nil {
					continue
				}
				t := str(x, "TableName")
				if t == "" {
					return op, fmt.Errorf("TransactItems[%d].%s: %w", i, kind, missing("TableName"))
				}
				key := obj(x["Key"])
				if kind == "Put" {
					key = obj(x["Item"])
				}
				op.Checks = append(op.Checks, item(actions[kind], t, x, key))
				found = true
			}
			if !found {
				return op, fmt.Errorf("TransactItems[%d]: no Put, Update, Delete, ConditionCheck or Get", i)
			}
		}
	case "DescribeTable", "CreateTable", "DeleteTable", "UpdateTable", "DescribeTimeToLive", "UpdateTimeToLive",
		"DescribeContinuousBackups", "UpdateContinuousBackups", "CreateBackup", "DescribeKinesisStreamingDestination",
		"DescribeTableReplicaAutoScaling", "DescribeContributorInsights":
		if tableName == "" {
			return op, missing("TableName")
		}
		op.Checks = []Check{check("dynamodb:"+name, table(tableName))}
	case "TagResource", "UntagResource", "ListTagsOfResource":
		arn := p.str("ResourceArn")
		if arn == "" {
			return op, missing("ResourceArn")
		}
		op.Checks = []Check{check("dynamodb:"+name, arn)}
	case "ListTables", "DescribeLimits", "DescribeEndpoints", "ListBackups", "ListGlobalTables", "ListContributorInsights":
		op.Checks = []Check{check("dynamodb:"+name, "*")}
	default:
		// PartiQL (ExecuteStatement, BatchExecuteStatement, ExecuteTransaction) and the rest.
		return op, unmapped(name)
	}
	return op, nil
}

// TableError is DynamoDB's answer to a table named by an ARN that is not of a table of this
// region and account (every status is 400).
type TableError struct{ Code, Message string }

func (e *TableError) Error() string { return e.Code + ": " + e.Message }

// tableName reads a TableName (or a RequestItems key) as DynamoDB does: a table's name, or the ARN
// of a table (botocore's model: "You can also provide the Amazon Resource Name (ARN) of the table").
// An ARN of this region and account names the table here; any other is refused: another region's
// with the ValidationException AWS answers it with (its message as quoted from AWS in
// hashicorp/terraform-provider-aws#42792), another account's with ResourceNotFoundException (from
// memory: this cloud has one account, so no such table is found), and an ARN that is not a
// table's (an index's, another service's) with a ValidationException (from memory).
func (m *Mapper) tableName(t string) (string, *TableError) {
	if !strings.HasPrefix(t, "arn:") {
		return t, nil
	}
	parts := strings.SplitN(t, ":", 6)
	if len(parts) != 6 || parts[1] != "aws" || parts[2] != "dynamodb" || !strings.HasPrefix(parts[5], "table/") ||
		strings.Contains(parts[5][len("table/"):], "/") || parts[5] == "table/" {
		return "", &TableError{Code: "ValidationException",
			Message: modelrule.Message("tableName", t, "be a table name or a table's ARN (arn:aws:dynamodb:<region>:<account>:table/<name>)")}
	}
	if parts[3] != m.region() {
		return "", &TableError{Code: "ValidationException", Message: "1 validation error detected: Invalid AWS region in '" + t + "'"}
	}
	if parts[4] != m.account() {
		return "", &TableError{Code: "ResourceNotFoundException", Message: "Requested resource not found: Table: " + t + " not found"}
	}
	return parts[5][len("table/"):], nil
}

// CheckDynamoDBTables refuses a DynamoDB request that names a table by an ARN tableName refuses,
// in TableName, a RequestItems key or a TransactItems entry's TableName, with a *TableError; Map
// checks the table such an ARN names here, so DynamoDB Local (which reads any table ARN as its
// name alone) must not see the others. The body is left whole; one that cannot be read is for
// DynamoDB Local to answer.
func (m *Mapper) CheckDynamoDBTables(r *http.Request) error {
	p, err := jsonParams(r)
	if err != nil {
		return nil
	}
	names := []string{p.str("TableName")}
	if reqs, ok := p.json["RequestItems"].(map[string]any); ok {
		names = append(names, sortedKeys(reqs)...)
	}
	for _, it := range asList(p.json["TransactItems"]) {
		im, _ := it.(map[string]any)
		for _, kind := range sortedKeys(im) {
			x, _ := im[kind].(map[string]any)
			names = append(names, str(x, "TableName"))
		}
	}
	for _, t := range names {
		if _, terr := m.tableName(t); terr != nil {
			return terr
		}
	}
	return nil
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// attrValue renders a DynamoDB attribute value of a key ({"S": "x"}, {"N": "1"}, {"B": "..."}) as
// dynamodb:LeadingKeys compares it.
func attrValue(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", false
	}
	for _, t := range []string{"S", "N", "B"} {
		if x, ok := m[t]; ok {
			s, err := scalarString(x)
			return s, err == nil
		}
	}
	return "", false
}

// keyEquals is "name = :value" or ":value = name" (DynamoDB takes either order).
var keyEquals = regexp.MustCompile(`(#?[A-Za-z0-9_.\-]+)\s*=\s*(:[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)\s*=\s*(#?[A-Za-z0-9_.\-]+)`)

// queryHashValue finds the partition key value of a Query: KeyConditions (legacy) or an equality in
// KeyConditionExpression.
func queryHashValue(body map[string]any, hashKey string) any {
	if kc, ok := body["KeyConditions"].(map[string]any); ok {
		if c, ok := kc[hashKey].(map[string]any); ok {
			if l := asList(c["AttributeValueList"]); len(l) > 0 {
				return l[0]
			}
		}
	}
	expr := str(body, "KeyConditionExpression")
	names, _ := body["ExpressionAttributeNames"].(map[string]any)
	values, _ := body["ExpressionAttributeValues"].(map[string]any)
	for _, mt := range keyEquals.FindAllStringSubmatch(expr, -1) {
		n, v := mt[1], mt[2]
		if n == "" {
			n, v = mt[4], mt[3]
		}
		if strings.HasPrefix(n, "#") {
			n = str(names, n)
		}
		if n == hashKey {
			return values[v]
		}
	}
	return nil
}

// SSM: JSON 1.1, X-Amz-Target: AmazonSSM.<Op>.
func (m *Mapper) ssm(r *http.Request) (Operation, error) {
	op, p, err := jsonOperation(r)
	if err != nil {
		return op, err
	}
	name := op.Name
	// param is the ARN of the parameter n names, read as the operation reads it (ssmname): a
	// selector only where SSM takes one, so a ':' in a written name is not cut off.
	param := func(n string, form ssmname.Form) string {
		return ssmname.Parse(n, form).Resource(m.region(), m.account())
	}
	switch name {
	case "GetParameter", "PutParameter", "DeleteParameter", "GetParameterHistory", "LabelParameterVersion", "UnlabelParameterVersion":
		n := p.str("Name")
		if n == "" {
			return op, missing("Name")
		}
		form := ssmname.Plain
		switch name {
		case "GetParameter":
			form = ssmname.Selectable
		case "GetParameterHistory":
			form = ssmname.NameOrARN
		}
		c := check("ssm:"+name, param(n, form))
		if name == "PutParameter" && p.has("Overwrite") {
			c.Context = map[string][]string{"ssm:Overwrite": {p.str("Overwrite")}}
		}
		op.Checks = []Check{c}
	case "GetParameters", "DeleteParameters":
		names := p.list("Names")
		if len(names) == 0 {
			return op, missing("Names")
		}
		form := ssmname.Plain
		if name == "GetParameters" {
			form = ssmname.Selectable
		}
		for _, n := range names {
			op.Checks = append(op.Checks, check("ssm:"+name, param(n, form)))
		}
	case "GetParametersByPath":
		path := ssmname.Parse(p.str("Path"), ssmname.Plain).Name
		if path == "" {
			return op, missing("Path")
		}
		c := check("ssm:"+name, m.arn("ssm", "parameter/"+strings.Trim(path, "/")))
		if p.has("Recursive") {
			c.Context = map[string][]string{"ssm:Recursive": {p.str("Recursive")}}
		}
		op.Checks = []Check{c}
	case "AddTagsToResource", "RemoveTagsFromResource", "ListTagsForResource":
		if p.str("ResourceType") != "Parameter" {
			return op, unmapped(name + " of a " + p.str("ResourceType"))
		}
		id := p.str("ResourceId")
		if id == "" {
			return op, missing("ResourceId")
		}
		op.Checks = []Check{check("ssm:"+name, param(id, ssmname.NameOrARN))}
	case "DescribeParameters":
		op.Checks = []Check{check("ssm:DescribeParameters", "*")}
	default:
		return op, unmapped(name)
	}
	return op, nil
}

// CloudWatch (signing name monitoring): RPCv2-CBOR (POST /service/GraniteServiceVersion20100801/
// operation/<Op>), JSON 1.0 (X-Amz-Target: GraniteServiceVersion20100801.<Op>) and the query
// protocol (Action=<Op>).
func (m *Mapper) cloudwatch(r *http.Request) (Operation, error) {
	var name string
	var p params
	var err error
	switch {
	case strings.EqualFold(r.Header.Get("Smithy-Protocol"), "rpc-v2-cbor") || strings.HasPrefix(r.URL.Path, "/service/"):
		_, name, _ = strings.Cut(r.URL.Path, "/operation/")
		p, err = cborParams(r)
	case r.Header.Get("X-Amz-Target") != "" || strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-json"):
		_, name, _ = jsonTarget(r)
		p, err = jsonParams(r)
	default:
		p, err = formParams(r)
		name = p.form.Get("Action")
	}
	op := Operation{Name: name}
	if err != nil {
		return op, err
	}
	dashboard := func(n string) string { return "arn:aws:cloudwatch::" + m.account() + ":dashboard/" + n }
	alarm := func(n string) string { return m.arn("cloudwatch", "alarm:"+n) }
	switch name {
	case "PutMetricData":
		ns := p.str("Namespace")
		if ns == "" {
			return op, missing("Namespace")
		}
		// No resource-level permission; the namespace is a condition key.
		op.Checks = []Check{{Action: "cloudwatch:PutMetricData", Resource: "*", Context: map[string][]string{"cloudwatch:namespace": {ns}}}}
	case "GetMetricData", "GetMetricStatistics", "ListMetrics", "GetMetricWidgetImage", "ListDashboards",
		"DescribeAlarms", "DescribeAlarmsForMetric", "DescribeAlarmHistory":
		op.Checks = []Check{check("cloudwatch:"+name, "*")}
	case "PutDashboard", "GetDashboard":
		n := p.str("DashboardName")
		if n == "" {
			return op, missing("DashboardName")
		}
		op.Checks = []Check{check("cloudwatch:"+name, dashboard(n))}
	case "DeleteDashboards":
		names := p.list("DashboardNames")
		if len(names) == 0 {
			return op, missing("DashboardNames")
		}
		for _, n := range names {
			op.Checks = append(op.Checks, check("cloudwatch:DeleteDashboards", dashboard(n)))
		}
	case "PutMetricAlarm", "SetAlarmState":
		n := p.str("AlarmName")
		if n == "" {
			return op, missing("AlarmName")
		}
		op.Checks = []Check{check("cloudwatch:"+name, alarm(n))}
	case "DeleteAlarms", "EnableAlarmActions", "DisableAlarmActions":
		names := p.list("AlarmNames")
		if len(names) == 0 {
			return op, missing("AlarmNames")
		}
		for _, n := range names {
			op.Checks = append(op.Checks, check("cloudwatch:"+name, alarm(n)))
		}
	default:
		return op, unmapped(name)
	}
	return op, nil
}

// Step Functions: JSON 1.0, X-Amz-Target: AWSStepFunctions.<Op>.
func (m *Mapper) states(r *http.Request) (Operation, error) {
	op, p, err := jsonOperation(r)
	if err != nil {
		return op, err
	}
	name := op.Name
	on := func(member string) (Operation, error) {
		arn := p.str(member)
		if arn == "" {
			return op, missing(member)
		}
		op.Checks = []Check{check("states:"+name, arn)}
		return op, nil
	}
	switch name {
	case "ListExecutions":
		if p.str("stateMachineArn") == "" && p.str("mapRunArn") != "" {
			return on("mapRunArn") // the executions of a Distributed Map's Map Run
		}
		return on("stateMachineArn")
	case "StartExecution", "StartSyncExecution", "DescribeStateMachine", "UpdateStateMachine", "DeleteStateMachine":
		return on("stateMachineArn")
	case "DescribeExecution", "StopExecution", "GetExecutionHistory", "DescribeStateMachineForExecution", "RedriveExecution":
		return on("executionArn")
	case "TagResource", "UntagResource", "ListTagsForResource":
		return on("resourceArn")
	case "CreateStateMachine":
		n := p.str("name")
		if n == "" {
			return op, missing("name")
		}
		op.Checks = []Check{check("states:CreateStateMachine", m.arn("states", "stateMachine:"+n))}
		if role := p.str("roleArn"); role != "" {
			// Handing a role to a service is itself authorized.
			op.Checks = append(op.Checks, Check{Action: "iam:PassRole", Resource: role,
				Context: map[string][]string{"iam:PassedToService": {"states.amazonaws.com"}}})
		}
		return op, nil
	case "ListStateMachines", "ListActivities", "SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat":
		op.Checks = []Check{check("states:"+name, "*")}
		return op, nil
	}
	return op, unmapped(name)
}

// Lambda: REST, /2015-03-31/functions/... and /2015-03-31/event-source-mappings/...
func (m *Mapper) lambda(r *http.Request) (Operation, error) {
	if mapping, ok := strings.CutPrefix(r.URL.Path, "/2015-03-31/event-source-mappings"); ok {
		uuid := strings.Trim(mapping, "/")
		switch {
		case uuid == "" && r.Method == http.MethodGet:
			return Operation{Name: "ListEventSourceMappings", Checks: []Check{check("lambda:ListEventSourceMappings", "*")}}, nil
		case uuid != "" && r.Method == http.MethodGet:
			return Operation{Name: "GetEventSourceMapping", Checks: []Check{check("lambda:GetEventSourceMapping", m.arn("lambda", "event-source-mapping:"+uuid))}}, nil
		case uuid != "" && r.Method == http.MethodPut:
			return Operation{Name: "UpdateEventSourceMapping", Checks: []Check{check("lambda:UpdateEventSourceMapping", m.arn("lambda", "event-source-mapping:"+uuid))}}, nil
		// Decided as Lambda's are, then refused by the local Lambda (deploys make and remove them),
		// so every caller gets the same answer to them.
		case uuid == "" && r.Method == http.MethodPost:
			return Operation{Name: "CreateEventSourceMapping", Checks: []Check{check("lambda:CreateEventSourceMapping", "*")}}, nil
		case uuid != "" && r.Method == http.MethodDelete:
			return Operation{Name: "DeleteEventSourceMapping", Checks: []Check{check("lambda:DeleteEventSourceMapping", m.arn("lambda", "event-source-mapping:"+uuid))}}, nil
		}
		return Operation{Name: r.Method + " " + r.URL.Path}, unmapped(r.Method + " " + r.URL.Path)
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/2015-03-31/functions/")
	if c, isConcurrency := strings.CutPrefix(r.URL.Path, "/2019-09-30/functions/"); isConcurrency && strings.HasSuffix(c, "/concurrency") {
		rest, ok = c, true
	}
	if !ok {
		return Operation{Name: r.Method + " " + r.URL.Path}, unmapped(r.Method + " " + r.URL.Path)
	}
	fn, sub, _ := strings.Cut(rest, "/")
	// The function's ARN as Lambda reads FunctionName (lambdaname): a name or a partial or full ARN,
	// qualified by a version or alias in it or by ?Qualifier (a qualified request is decided on the
	// qualified ARN, as AWS's are; the Lambda API refuses two qualifiers that differ).
	fnArn := func() string {
		ref, ok := lambdaname.Parse(fn)
		if !ok {
			return m.arn("lambda", "function:"+fn) // the Lambda API refuses it (ValidationException)
		}
		arn := "arn:" + cmp.Or(ref.Partition, "aws") + ":lambda:" + cmp.Or(ref.Region, m.region()) + ":" +
			cmp.Or(ref.Account, m.account()) + ":function:" + ref.Name
		if q := cmp.Or(ref.Qualifier, r.URL.Query().Get("Qualifier")); q != "" {
			arn += ":" + q
		}
		return arn
	}
	var op Operation
	switch {
	case fn == "" && r.Method == http.MethodGet:
		op = Operation{Name: "ListFunctions", Checks: []Check{check("lambda:ListFunctions", "*")}}
	case sub == "invocations" && r.Method == http.MethodPost:
		op = Operation{Name: "Invoke", Checks: []Check{check("lambda:InvokeFunction", fnArn())}}
	case sub == "" && r.Method == http.MethodGet:
		op = Operation{Name: "GetFunction", Checks: []Check{check("lambda:GetFunction", fnArn())}}
	case sub == "configuration" && r.Method == http.MethodGet:
		op = Operation{Name: "GetFunctionConfiguration", Checks: []Check{check("lambda:GetFunctionConfiguration", fnArn())}}
	case sub == "concurrency" && r.Method == http.MethodGet:
		op = Operation{Name: "GetFunctionConcurrency", Checks: []Check{check("lambda:GetFunctionConcurrency", fnArn())}}
	default:
		return Operation{Name: r.Method + " " + r.URL.Path}, unmapped(r.Method + " " + r.URL.Path)
	}
	return op, nil
}

// logs maps the CloudWatch Logs reads the local cloud serves (local/logs). A log group's actions are
// checked on arn:aws:logs:<region>:<account>:log-group:<name>:* (the form policies name a group's
// streams by), a stream's on ...:log-group:<name>:log-stream:<stream>.
func (m *Mapper) logs(r *http.Request) (Operation, error) {
	op, p, err := jsonOperation(r)
	if err != nil {
		return op, err
	}
	name := op.Name
	// The group's ARN without its ":*": from its name, or as logGroupIdentifier gives it (an ARN of
	// another account is checked as that account's).
	group := ""
	if n := p.str("logGroupName"); n != "" {
		group = m.arn("logs", "log-group:"+n)
	} else if id := p.str("logGroupIdentifier"); strings.HasPrefix(id, "arn:") {
		group = strings.TrimSuffix(id, ":*")
	} else if id != "" {
		group = m.arn("logs", "log-group:"+id)
	}
	switch name {
	case "DescribeLogGroups":
		// As AWS evaluates it: on the empty group's empty stream (a policy's log-group:*:* covers it).
		op.Checks = []Check{check("logs:DescribeLogGroups", m.arn("logs", "log-group::log-stream:"))}
	case "DescribeLogStreams", "FilterLogEvents":
		if group == "" {
			return op, missing("logGroupName")
		}
		op.Checks = []Check{check("logs:"+name, group+":*")}
	case "GetLogEvents":
		stream := p.str("logStreamName")
		if group == "" || stream == "" {
			return op, missing("logGroupName and logStreamName")
		}
		op.Checks = []Check{check("logs:GetLogEvents", group+":log-stream:"+stream)}
	default:
		return op, unmapped(name)
	}
	return op, nil
}

// jsonOperation reads a JSON-protocol request (X-Amz-Target <prefix>.<Op>): its operation, named,
// and its members.
func jsonOperation(r *http.Request) (Operation, params, error) {
	_, name, ok := jsonTarget(r)
	op := Operation{Name: name}
	if !ok {
		return op, params{}, unmapped("request without X-Amz-Target")
	}
	p, err := jsonParams(r)
	return op, p, err
}
