package gateway

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/local/internal/uuid"
)

// SQS speaks two protocols in the wild, chosen by the client's age: the JSON protocol
// (application/x-amz-json-1.0, X-Amz-Target: AmazonSQS.<Op>; botocore ≥ 1.31 and the Go SDK v2)
// and the older query protocol (form-encoded Action=<Op>&..., XML answers; the AWS CLI 2.9 and
// boto3 1.26 that Debian ships). The emulator answers only JSON, so SQSQuery translates a query
// request into its JSON twin before anything else sees it (the SQS metrics interceptor then counts
// both alike) and the JSON answer back into the query protocol's XML.

// maxSQSQueryBody bounds a query-protocol request body: ten entries of a 1 MiB message,
// percent-encoded, fit.
const maxSQSQueryBody = 32 << 20

const sqsXMLNS = "http://queue.amazonaws.com/doc/2012-11-05/"

// isSQSQuery reports whether r is an SQS query-protocol request (form-encoded or GET with an
// Action parameter, and no X-Amz-Target).
func isSQSQuery(r *http.Request) bool {
	if r.Header.Get("X-Amz-Target") != "" {
		return false
	}
	if strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "application/x-www-form-urlencoded") {
		return true
	}
	return r.URL.Query().Get("Action") != ""
}

// SQSQuery is the interceptor that lets query-protocol SQS clients use a JSON-protocol SQS: the
// gateway installs it in front of every "sqs" handler. A JSON-protocol request passes through,
// its answer's x-amzn-query-error header given SQS's query code (mendQueryError), which
// botocore ≥ 1.31 reports as the error's code.
func SQSQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isSQSQuery(r) {
			next.ServeHTTP(&headerMend{ResponseWriter: w, mend: mendQueryError}, r)
			return
		}
		form, err := queryParams(r)
		if err != nil {
			writeQueryError(w, http.StatusBadRequest, "MalformedQueryString", "Sender", err.Error())
			return
		}
		action := form.Get("Action")
		if action == "" {
			writeQueryError(w, http.StatusBadRequest, "MissingAction", "Sender", "The request must contain the parameter Action.")
			return
		}
		if code, msg := checkQueryParams(action, form); code != "" {
			writeQueryError(w, http.StatusBadRequest, code, "Sender", msg)
			return
		}
		in := queryToJSON(form)
		// Tag.N is a queue's tags in both actions, but the JSON protocol names them "tags" in
		// CreateQueueRequest and "Tags" in TagQueueRequest (fauxqs reads each so).
		if tags, ok := in["Tags"]; ok && action == "CreateQueue" {
			delete(in, "Tags")
			in["tags"] = tags
		}
		// Old SDKs send to the queue URL instead of naming it in QueueUrl.
		if _, ok := in["QueueUrl"]; !ok && r.URL.Path != "" && r.URL.Path != "/" && action != "ListQueues" &&
			action != "CreateQueue" && action != "GetQueueUrl" {
			in["QueueUrl"] = "http://" + r.Host + r.URL.Path
		}
		body, _ := json.Marshal(in)
		out := r.Clone(r.Context())
		out.Method = http.MethodPost
		out.URL = &url.URL{Path: "/"}
		out.RequestURI = "/"
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.ContentLength = int64(len(body))
		out.Header.Set("Content-Length", strconv.Itoa(len(body)))
		out.Header.Set("Content-Type", "application/x-amz-json-1.0")
		out.Header.Set("X-Amz-Target", "AmazonSQS."+action)
		out.Header.Del("Expect")
		rec := NewResponseBuffer()
		next.ServeHTTP(rec, out)
		writeQueryResponse(w, action, rec)
	})
}

func queryParams(r *http.Request) (url.Values, error) {
	form := r.URL.Query()
	if r.Body == nil || r.Method == http.MethodGet {
		return form, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxSQSQueryBody+1))
	if err != nil {
		return nil, fmt.Errorf("reading the request body: %v", err)
	}
	if len(b) > maxSQSQueryBody {
		return nil, fmt.Errorf("request body larger than %d bytes", maxSQSQueryBody)
	}
	body, err := url.ParseQuery(string(b))
	if err != nil {
		return nil, fmt.Errorf("form body: %v", err)
	}
	for k, v := range body {
		form[k] = append(form[k], v...)
	}
	return form, nil
}

// The query protocol flattens lists and maps into numbered keys named after their members
// (AttributeName.1, Attribute.1.Name, MessageAttribute.1.Value.StringValue, ...); the JSON protocol
// names them as the API does. These tables are SQS's (API version 2012-11-05).
var (
	// flattened list member name → JSON list name
	queryLists = map[string]string{
		"AttributeName":                            "AttributeNames",
		"MessageAttributeName":                     "MessageAttributeNames",
		"MessageSystemAttributeName":               "MessageSystemAttributeNames",
		"TagKey":                                   "TagKeys",
		"AWSAccountId":                             "AWSAccountIds",
		"ActionName":                               "Actions",
		"StringListValue":                          "StringListValues",
		"BinaryListValue":                          "BinaryListValues",
		"SendMessageBatchRequestEntry":             "Entries",
		"DeleteMessageBatchRequestEntry":           "Entries",
		"ChangeMessageVisibilityBatchRequestEntry": "Entries",
	}
	// flattened map entry name → JSON map name, entry key and value member names, value is a structure
	queryMaps = map[string]struct {
		json, key, value string
		structured       bool
	}{
		"Attribute":              {"Attributes", "Name", "Value", false},
		"Tag":                    {"Tags", "Key", "Value", false},
		"MessageAttribute":       {"MessageAttributes", "Name", "Value", true},
		"MessageSystemAttribute": {"MessageSystemAttributes", "Name", "Value", true},
	}
	// JSON list names, for a list sent empty: botocore's query serializer sends an empty list as
	// its bare member name with an empty value (AttributeNames=), which is [] in JSON.
	jsonLists = func() map[string]bool {
		m := map[string]bool{}
		for _, name := range queryLists {
			m[name] = true
		}
		return m
	}()
	// members that are integers in the JSON protocol
	queryInts = map[string]bool{
		"MaxNumberOfMessages": true, "WaitTimeSeconds": true, "VisibilityTimeout": true,
		"DelaySeconds": true, "MaxResults": true, "MaxNumberOfMessagesPerSecond": true,
	}
)

// queryRequired lists, per action, the parameters besides QueueUrl that SQS's model requires and
// that the emulator does not (all) ask for itself. QueueUrl is left to the emulator: a query
// request may name its queue by its path instead.
var queryRequired = map[string][]string{
	"CreateQueue":             {"QueueName"},
	"GetQueueUrl":             {"QueueName"},
	"SendMessage":             {"MessageBody"},
	"DeleteMessage":           {"ReceiptHandle"},
	"ChangeMessageVisibility": {"ReceiptHandle", "VisibilityTimeout"},
}

// checkQueryParams returns the query protocol's error code and message for a request that lacks a
// parameter its action requires or carries a number that is not an integer, or "" for one that
// may go on: the JSON twin of either would reach the emulator as a request SQS never sees.
func checkQueryParams(action string, form url.Values) (code, msg string) {
	for _, p := range queryRequired[action] {
		if _, ok := form[p]; !ok {
			return "MissingParameter", "The request must contain the parameter " + p + "."
		}
	}
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the same request, the same error
	for _, k := range keys {
		if !queryInts[k[strings.LastIndexByte(k, '.')+1:]] || len(form[k]) == 0 {
			continue
		}
		if _, err := strconv.ParseInt(form[k][0], 10, 64); err != nil {
			return "InvalidParameterValue", fmt.Sprintf("Value %s for parameter %s is invalid. Reason: Must be an integer.", form[k][0], k)
		}
	}
	return "", ""
}

// qnode is one level of dotted query keys: "A.1.B" → A → 1 → B.
type qnode struct {
	value string
	kids  map[string]*qnode
}

func (n *qnode) child(k string) *qnode {
	if n.kids == nil {
		n.kids = map[string]*qnode{}
	}
	c, ok := n.kids[k]
	if !ok {
		c = &qnode{}
		n.kids[k] = c
	}
	return c
}

// indexed returns n's numbered children in numeric order.
func (n *qnode) indexed() []*qnode {
	type kv struct {
		i int
		n *qnode
	}
	var items []kv
	for k, c := range n.kids {
		if i, err := strconv.Atoi(k); err == nil {
			items = append(items, kv{i, c})
		}
	}
	sort.Slice(items, func(a, b int) bool { return items[a].i < items[b].i })
	out := make([]*qnode, len(items))
	for i, it := range items {
		out[i] = it.n
	}
	return out
}

func queryToJSON(form url.Values) map[string]any {
	root := &qnode{}
	for k, vs := range form {
		if k == "Action" || k == "Version" || len(vs) == 0 {
			continue
		}
		n := root
		for _, seg := range strings.Split(k, ".") {
			n = n.child(seg)
		}
		n.value = vs[0]
	}
	return structToJSON(root)
}

func structToJSON(n *qnode) map[string]any {
	out := map[string]any{}
	for name, c := range n.kids {
		if m, ok := queryMaps[name]; ok {
			obj := map[string]any{}
			for _, e := range c.indexed() {
				k, v := e.kids[m.key], e.kids[m.value]
				if k == nil || v == nil {
					continue
				}
				if m.structured {
					obj[k.value] = structToJSON(v)
				} else {
					obj[k.value] = v.value
				}
			}
			out[m.json] = obj
			continue
		}
		if list, ok := queryLists[name]; ok {
			items := []any{}
			for _, e := range c.indexed() {
				if len(e.kids) > 0 {
					items = append(items, structToJSON(e))
				} else {
					items = append(items, e.value)
				}
			}
			out[list] = items
			continue
		}
		if len(c.kids) > 0 {
			out[name] = structToJSON(c)
			continue
		}
		if jsonLists[name] && c.value == "" {
			out[name] = []any{}
			continue
		}
		if queryInts[name] {
			if i, err := strconv.ParseInt(c.value, 10, 64); err == nil { // checkQueryParams refused the rest
				out[name] = i
				continue
			}
		}
		out[name] = c.value
	}
	return out
}

func writeQueryError(w http.ResponseWriter, status int, code, fault, message string) {
	type errBody struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
		Detail  string `xml:"Detail"`
	}
	type resp struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		Xmlns     string   `xml:"xmlns,attr"`
		Error     errBody  `xml:"Error"`
		RequestID string   `xml:"RequestId"`
	}
	id := RequestID(w)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Query-Error", code+";"+fault)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(resp{Xmlns: sqsXMLNS, Error: errBody{Type: fault, Code: code, Message: message}, RequestID: id})
}

// sqsQueryErrorCodes maps an SQS error shape (the JSON protocol's __type) to its code in the query
// protocol, where the two differ: the awsQueryError trait of each shape in SQS's Smithy model (the
// "error" codes of the query-protocol model that Debian's botocore 1.29 carries, and the KMS ones
// added with the JSON protocol). The other shapes (OverLimit, ReceiptHandleIsInvalid,
// InvalidAttributeName, ...) and the common errors (InvalidParameterValue, MissingParameter,
// InvalidAction, AccessDenied, ...) keep their names.
var sqsQueryErrorCodes = map[string]string{
	"BatchEntryIdsNotDistinct":     "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
	"BatchRequestTooLong":          "AWS.SimpleQueueService.BatchRequestTooLong",
	"EmptyBatchRequest":            "AWS.SimpleQueueService.EmptyBatchRequest",
	"InvalidBatchEntryId":          "AWS.SimpleQueueService.InvalidBatchEntryId",
	"MessageNotInflight":           "AWS.SimpleQueueService.MessageNotInflight",
	"PurgeQueueInProgress":         "AWS.SimpleQueueService.PurgeQueueInProgress",
	"QueueDeletedRecently":         "AWS.SimpleQueueService.QueueDeletedRecently",
	"QueueDoesNotExist":            "AWS.SimpleQueueService.NonExistentQueue",
	"QueueNameExists":              "QueueAlreadyExists",
	"TooManyEntriesInBatchRequest": "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
	"UnsupportedOperation":         "AWS.SimpleQueueService.UnsupportedOperation",
	"KmsAccessDenied":              "KMS.AccessDeniedException",
	"KmsDisabled":                  "KMS.DisabledException",
	"KmsInvalidKeyUsage":           "KMS.InvalidKeyUsageException",
	"KmsInvalidState":              "KMS.InvalidStateException",
	"KmsNotFound":                  "KMS.NotFoundException",
	"KmsOptInRequired":             "KMS.OptInRequired",
	"KmsThrottled":                 "KMS.ThrottlingException",
}

// isSQSQueryCode holds the query codes that sqsQueryErrorCodes gives.
var isSQSQueryCode = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range sqsQueryErrorCodes {
		m[c] = true
	}
	return m
}()

// sqsQueryCode is the query protocol's code for an SQS error named by its shape or by a query
// code. fauxqs puts "AWS.SimpleQueueService." in front of every code in its x-amzn-query-error
// header (AWS.SimpleQueueService.QueueNameExists, ...InvalidParameterValue), which is SQS's only
// for the codes sqsQueryErrorCodes gives: elsewhere the prefix is dropped and the rest taken as
// the shape. botocore 1.29 maps a wrong code to no exception class (QueueNameExists is caught by
// QueueAlreadyExists), and botocore ≥ 1.31 reports the header's code as the error's Code.
func sqsQueryCode(code string) string {
	if isSQSQueryCode[code] {
		return code
	}
	code = strings.TrimPrefix(code, "AWS.SimpleQueueService.")
	if c, ok := sqsQueryErrorCodes[code]; ok {
		return c
	}
	return code
}

// mendQueryError corrects the x-amzn-query-error header of a JSON-protocol answer (see
// sqsQueryCode) as the answer's header is written.
func mendQueryError(h http.Header, _ int) {
	if v := h.Get("X-Amzn-Query-Error"); v != "" {
		code, fault, hasFault := strings.Cut(v, ";")
		if code = sqsQueryCode(code); hasFault {
			code += ";" + fault
		}
		h.Set("X-Amzn-Query-Error", code)
	}
}

// writeQueryResponse writes the JSON answer rec of action as the query protocol's XML.
func writeQueryResponse(w http.ResponseWriter, action string, rec *ResponseBuffer) {
	status := rec.Status()
	reqID := rec.Header().Get("X-Amzn-Requestid")
	if reqID == "" {
		reqID = rec.Header().Get("X-Amz-Request-Id")
	}
	if reqID == "" {
		reqID = uuid.New()
	}
	if status/100 != 2 {
		var e struct {
			Type     string `json:"__type"`
			Message  string `json:"message"`
			Message2 string `json:"Message"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &e)
		// The code is the error shape's query code; the x-amzn-query-error header's only when the
		// answer names no shape (see sqsQueryCode).
		code := sqsQueryCode(e.Type[strings.LastIndexByte(e.Type, '#')+1:])
		var headerCode, fault string
		if q := rec.Header().Get("X-Amzn-Query-Error"); q != "" {
			headerCode, fault, _ = strings.Cut(q, ";")
		}
		if code == "" {
			code = sqsQueryCode(headerCode)
		}
		if code == "" {
			code = rec.Header().Get("X-Amzn-Errortype")
		}
		if code == "" {
			code = http.StatusText(status)
		}
		if fault == "" {
			fault = "Sender"
			if status >= 500 {
				fault = "Receiver"
			}
		}
		msg := e.Message
		if msg == "" {
			msg = e.Message2
		}
		if msg == "" && e.Type == "" {
			msg = strings.TrimSpace(rec.Body.String())
		}
		writeQueryError(w, status, code, fault, msg)
		return
	}
	var result map[string]any
	if rec.Body.Len() > 0 {
		dec := json.NewDecoder(&rec.Body)
		dec.UseNumber()
		if err := dec.Decode(&result); err != nil {
			writeQueryError(w, http.StatusInternalServerError, "InternalFailure", "Receiver", "local cloud: SQS answered with JSON that does not parse: "+err.Error())
			return
		}
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	fmt.Fprintf(&b, `<%sResponse xmlns="%s">`, action, sqsXMLNS)
	if !queryNoResult[action] {
		fmt.Fprintf(&b, `<%sResult>`, action)
		writeQueryStruct(&b, action, result)
		fmt.Fprintf(&b, `</%sResult>`, action)
	}
	fmt.Fprintf(&b, `<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`, xmlText(reqID), action)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", reqID)
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// queryNoResult holds the actions that have no output in SQS's model: their answer is the
// Response element with ResponseMetadata alone, no empty Result (the API Reference's samples).
var queryNoResult = map[string]bool{
	"AddPermission": true, "ChangeMessageVisibility": true, "DeleteMessage": true, "DeleteQueue": true,
	"PurgeQueue": true, "RemovePermission": true, "SetQueueAttributes": true, "TagQueue": true, "UntagQueue": true,
}

// JSON map name → flattened XML entry name and its key member (the value member is Value).
var xmlMapEntries = map[string][2]string{
	"Attributes":              {"Attribute", "Name"},
	"Tags":                    {"Tag", "Key"},
	"MessageAttributes":       {"MessageAttribute", "Name"},
	"MessageSystemAttributes": {"MessageSystemAttribute", "Name"},
}

// JSON list name → flattened XML member name (Successful depends on the action).
var xmlListMembers = map[string]string{
	"QueueUrls":        "QueueUrl",
	"queueUrls":        "QueueUrl",
	"Messages":         "Message",
	"Failed":           "BatchResultErrorEntry",
	"StringListValues": "StringListValue",
	"BinaryListValues": "BinaryListValue",
}

func writeQueryStruct(b *bytes.Buffer, action string, obj map[string]any) {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := obj[k]
		switch k {
		case "Attributes", "Tags", "MessageAttributes", "MessageSystemAttributes":
			m, ok := v.(map[string]any)
			if !ok {
				break
			}
			elem, keyName := xmlMapEntries[k][0], xmlMapEntries[k][1]
			names := make([]string, 0, len(m))
			for n := range m {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				fmt.Fprintf(b, "<%s><%s>%s</%s><Value>", elem, keyName, xmlText(n), keyName)
				writeQueryValue(b, action, m[n])
				fmt.Fprintf(b, "</Value></%s>", elem)
			}
			continue
		}
		if list, ok := v.([]any); ok {
			member := xmlListMembers[k]
			if k == "Successful" {
				member = action + "ResultEntry"
			}
			if member == "" {
				member = k
			}
			for _, item := range list {
				fmt.Fprintf(b, "<%s>", member)
				writeQueryValue(b, action, item)
				fmt.Fprintf(b, "</%s>", member)
			}
			continue
		}
		fmt.Fprintf(b, "<%s>", k)
		writeQueryValue(b, action, v)
		fmt.Fprintf(b, "</%s>", k)
	}
}

func writeQueryValue(b *bytes.Buffer, action string, v any) {
	switch v := v.(type) {
	case map[string]any:
		writeQueryStruct(b, action, v)
	case string:
		b.WriteString(xmlText(v))
	case json.Number:
		b.WriteString(v.String())
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case nil:
	default:
		fmt.Fprintf(b, "%v", v)
	}
}

func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
