package logs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/local/internal/exactjson"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/pagetoken"
)

// apiError is an error as the Logs API answers it: {"__type": Code, "message": Message}, 400.
type apiError struct{ Code, Message string }

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func invalid(format string, args ...any) *apiError {
	return &apiError{Code: "InvalidParameterException", Message: fmt.Sprintf(format, args...)}
}

var errNoGroup = &apiError{Code: "ResourceNotFoundException", Message: "The specified log group does not exist."}

// Handler is the Logs API over the store.
func (s *Store) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

func (s *Store) serveHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, "Logs_20140328.")
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if !ok || r.Method != http.MethodPost || err != nil {
		writeErr(w, &apiError{Code: "UnknownOperationException", Message: fmt.Sprintf("logs: X-Amz-Target %q is not a CloudWatch Logs operation", target)})
		return
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	var out any
	switch op {
	case "DescribeLogGroups":
		out, err = s.describeGroups(body)
	case "DescribeLogStreams":
		out, err = s.describeStreams(body)
	case "GetLogEvents":
		out, err = s.getEvents(body)
	case "FilterLogEvents":
		out, err = s.filterEvents(body)
	default:
		err = &apiError{Code: "UnknownOperationException", Message: "logs: " + op + " is not supported by the local cloud (DescribeLogGroups, DescribeLogStreams, GetLogEvents and FilterLogEvents are)"}
	}
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = &apiError{Code: "SerializationException", Message: err.Error()}
		}
		writeErr(w, ae)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

func writeErr(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.Code, "message": e.Message})
}

// limit checks a request's limit against [1, max]; 0 (absent) is def.
func limit(n *int, max, def int) (int, error) {
	switch {
	case n == nil:
		return def, nil
	case *n < 1 || *n > max:
		return 0, invalid("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and %d", *n, max)
	}
	return *n, nil
}

// groupRef is how a request names its log group: logGroupName, or logGroupIdentifier (a name or an
// ARN). The requests that name one embed it.
type groupRef struct {
	LogGroupName       string `json:"logGroupName"`
	LogGroupIdentifier string `json:"logGroupIdentifier"`
}

// decodeNaming decodes body into in, a request that embeds ref, and returns the group it names.
func (s *Store) decodeNaming(body []byte, in any, ref *groupRef) (string, error) {
	if err := exactjson.Unmarshal(body, in); err != nil {
		return "", err
	}
	return s.groupName(ref.LogGroupName, ref.LogGroupIdentifier)
}

// groupName is the group a request names by logGroupName or logGroupIdentifier (a name or an ARN;
// an ARN of another region or account names no group here).
func (s *Store) groupName(name, identifier string) (string, error) {
	switch {
	case name != "" && identifier != "":
		return "", invalid("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
	case identifier != "":
		if !strings.HasPrefix(identifier, "arn:") {
			return identifier, nil
		}
		here := "arn:aws:logs:" + s.region + ":" + s.account + ":log-group:"
		if !strings.HasPrefix(identifier, here) {
			return "", errNoGroup
		}
		return strings.TrimSuffix(identifier[len(here):], ":*"), nil
	case name == "":
		return "", invalid("Either LogGroup name or LogGroup ARN must be provided.")
	}
	return name, nil
}

// maxResponse is how much of a response events may fill: "as many log events as can fit in a
// response size of 1 MB", each counted as its message's bytes plus 26, as CloudWatch Logs counts an
// event's size.
const maxResponse = 1 << 20

func eventSize(e event) int { return len(e.msg) + 26 }

// snapshot is the group's events as they are now: appends never change them and trimming makes a
// new array, so they are read without the lock (a JSON pattern decodes every event: seconds, which
// every function's log lines would wait for).
func (s *Store) snapshot(name string) ([]event, []stream, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[name]
	if g == nil {
		return nil, nil, errNoGroup
	}
	streams := make([]stream, 0, len(g.streams))
	for _, st := range g.streams {
		streams = append(streams, *st)
	}
	return g.events, streams, nil
}

func (s *Store) describeGroups(body []byte) (any, error) {
	var in struct {
		LogGroupNamePrefix  string   `json:"logGroupNamePrefix"`
		LogGroupNamePattern string   `json:"logGroupNamePattern"`
		LogGroupIdentifiers []string `json:"logGroupIdentifiers"`
		Limit               *int     `json:"limit"`
		NextToken           string   `json:"nextToken"`
	}
	if err := exactjson.Unmarshal(body, &in); err != nil {
		return nil, err
	}
	switch {
	case in.LogGroupNamePrefix != "" && in.LogGroupNamePattern != "":
		return nil, invalid("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
	case in.LogGroupIdentifiers != nil:
		return nil, invalid("logGroupIdentifiers is not supported by the local cloud (logGroupNamePrefix and logGroupNamePattern are)")
	}
	n, err := limit(in.Limit, 50, 50)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	names := s.groupNames(in.LogGroupNamePrefix)
	if in.LogGroupNamePattern != "" { // a case-insensitive substring, as CloudWatch Logs reads it
		names = slices.DeleteFunc(names, func(n string) bool {
			return !strings.Contains(strings.ToLower(n), strings.ToLower(in.LogGroupNamePattern))
		})
	}
	scope := pagetoken.Scope("DescribeLogGroups", in.LogGroupNamePrefix, in.LogGroupNamePattern)
	from, to, next, ok := pagetoken.Page(names, in.NextToken, scope, n)
	if !ok {
		return nil, errBadToken
	}
	groups := []any{}
	for _, name := range names[from:to] {
		g := s.groups[name]
		lg := map[string]any{"logGroupName": g.name, "creationTime": g.created, "metricFilterCount": 0,
			"arn": s.arn(g.name) + ":*", "logGroupArn": s.arn(g.name), "storedBytes": g.bytes, "logGroupClass": "STANDARD"}
		if g.retention > 0 {
			lg["retentionInDays"] = g.retention
		}
		groups = append(groups, lg)
	}
	return withToken(map[string]any{"logGroups": groups}, next), nil
}

// withToken adds nextToken to out when there is a next page.
func withToken(out map[string]any, next string) map[string]any {
	if next != "" {
		out["nextToken"] = next
	}
	return out
}

var errBadToken = invalid("The specified nextToken is invalid.")

func (s *Store) describeStreams(body []byte) (any, error) {
	var in struct {
		groupRef
		LogStreamNamePrefix string `json:"logStreamNamePrefix"`
		OrderBy             string `json:"orderBy"`
		Descending          bool   `json:"descending"`
		Limit               *int   `json:"limit"`
		NextToken           string `json:"nextToken"`
	}
	name, err := s.decodeNaming(body, &in, &in.groupRef)
	if err != nil {
		return nil, err
	}
	n, err := limit(in.Limit, 50, 50)
	if err != nil {
		return nil, err
	}
	switch in.OrderBy {
	case "", "LogStreamName":
	case "LastEventTime":
		if in.LogStreamNamePrefix != "" {
			return nil, invalid("Cannot order by LastEventTime with a logStreamNamePrefix.")
		}
	default:
		return nil, invalid("1 validation error detected: Value '%s' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]", in.OrderBy)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[name]
	if g == nil {
		return nil, errNoGroup
	}
	// The sort key: the name, or the last event's time then the name; reversed when descending.
	type keyed struct {
		key string
		st  *stream
	}
	var all []keyed
	for _, st := range g.streams {
		if !strings.HasPrefix(st.name, in.LogStreamNamePrefix) {
			continue
		}
		k := st.name
		if in.OrderBy == "LastEventTime" {
			k = fmt.Sprintf("%020d\x00%s", st.last, st.name)
		}
		all = append(all, keyed{k, st})
	}
	sort.Slice(all, func(i, j int) bool { return (all[i].key < all[j].key) != in.Descending })
	keys := make([]string, len(all))
	for i, k := range all {
		keys[i] = k.key
		if in.Descending {
			keys[i] = invert(k.key) // ascending in the inverted keys: after() reads them in order
		}
	}
	scope := pagetoken.Scope("DescribeLogStreams", name, in.LogStreamNamePrefix, in.OrderBy, strconv.FormatBool(in.Descending))
	from, to, next, ok := pagetoken.Page(keys, in.NextToken, scope, n)
	if !ok {
		return nil, errBadToken
	}
	streams := []any{}
	for _, k := range all[from:to] {
		st := k.st
		streams = append(streams, map[string]any{"logStreamName": st.name, "creationTime": st.created,
			"firstEventTimestamp": st.first, "lastEventTimestamp": st.last, "lastIngestionTime": st.ing,
			"arn": s.arn(g.name) + ":log-stream:" + st.name, "storedBytes": 0})
	}
	return withToken(map[string]any{"logStreams": streams}, next), nil
}

// invert maps a key to one that sorts the other way against every other key of its kind (same
// length prefix rules do not matter: each byte is complemented, and a terminator sorts shorter
// keys after their extensions).
func invert(k string) string {
	b := []byte(k)
	for i := range b {
		b[i] = ^b[i]
	}
	return string(b) + "\xff"
}

// eventToken is a GetLogEvents token: f/<seq> reads forward from after the event seq, b/<seq>
// backward from before it.
func eventToken(dir byte, seq int64) string { return string(dir) + "/" + fmt.Sprintf("%056d", seq) }

func (s *Store) getEvents(body []byte) (any, error) {
	var in struct {
		groupRef
		LogStreamName string `json:"logStreamName"`
		StartTime     *int64 `json:"startTime"`
		EndTime       *int64 `json:"endTime"`
		Limit         *int   `json:"limit"`
		StartFromHead bool   `json:"startFromHead"`
		NextToken     string `json:"nextToken"`
	}
	name, err := s.decodeNaming(body, &in, &in.groupRef)
	if err != nil {
		return nil, err
	}
	if in.LogStreamName == "" {
		return nil, invalid("1 validation error detected: Value null at 'logStreamName' failed to satisfy constraint: Member must not be null")
	}
	n, err := limit(in.Limit, 10000, 10000)
	if err != nil {
		return nil, err
	}
	forward, bound := in.StartFromHead, int64(-1)
	if in.NextToken != "" {
		dir, num, ok := strings.Cut(in.NextToken, "/")
		seq, perr := strconv.ParseInt(num, 10, 64)
		if !ok || perr != nil || (dir != "f" && dir != "b") {
			return nil, errBadToken
		}
		forward, bound = dir == "f", seq
	}
	all, streams, err := s.snapshot(name)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(streams, func(st stream) bool { return st.name == in.LogStreamName }) {
		return nil, &apiError{Code: "ResourceNotFoundException", Message: "The specified log stream does not exist."}
	}
	var match []event
	for _, e := range all {
		if e.stream != in.LogStreamName || (in.StartTime != nil && e.time < *in.StartTime) || (in.EndTime != nil && e.time >= *in.EndTime) {
			continue
		}
		if bound >= 0 && ((forward && e.seq <= bound) || (!forward && e.seq >= bound)) {
			continue
		}
		match = append(match, e)
	}
	if len(match) > n {
		if forward {
			match = match[:n]
		} else {
			match = match[len(match)-n:]
		}
	}
	// At most maxResponse: from the head when reading forward, else the newest.
	for size, i := 0, 0; i < len(match); i++ {
		k := i
		if !forward {
			k = len(match) - 1 - i
		}
		if size += eventSize(match[k]); size > maxResponse && i > 0 {
			if forward {
				match = match[:i]
			} else {
				match = match[len(match)-i:]
			}
			break
		}
	}
	events := []any{}
	for _, e := range match {
		events = append(events, map[string]any{"timestamp": e.time, "message": e.msg, "ingestionTime": e.ingested})
	}
	// At either end, the token stays where it was, so a reader polling forward sees new events.
	first, last := bound, bound
	if len(match) > 0 {
		first, last = match[0].seq, match[len(match)-1].seq
	} else if bound < 0 {
		s.mu.Lock()
		first, last = s.seq+1, s.seq
		s.mu.Unlock()
	}
	return map[string]any{"events": events, "nextForwardToken": eventToken('f', last), "nextBackwardToken": eventToken('b', first)}, nil
}

func (s *Store) filterEvents(body []byte) (any, error) {
	var in struct {
		groupRef
		LogStreamNames      []string `json:"logStreamNames"`
		LogStreamNamePrefix string   `json:"logStreamNamePrefix"`
		StartTime           *int64   `json:"startTime"`
		EndTime             *int64   `json:"endTime"`
		FilterPattern       string   `json:"filterPattern"`
		Limit               *int     `json:"limit"`
		NextToken           string   `json:"nextToken"`
		Interleaved         bool     `json:"interleaved"`
		Unmask              bool     `json:"unmask"`
	}
	name, err := s.decodeNaming(body, &in, &in.groupRef)
	if err != nil {
		return nil, err
	}
	if len(in.LogStreamNames) > 0 && in.LogStreamNamePrefix != "" {
		return nil, invalid("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.")
	}
	n, err := limit(in.Limit, 10000, 10000)
	if err != nil {
		return nil, err
	}
	pt, err := parsePattern(in.FilterPattern)
	if err != nil {
		return nil, invalid("filterPattern %q: %v", in.FilterPattern, err)
	}
	var start, end string
	if in.StartTime != nil {
		start = strconv.FormatInt(*in.StartTime, 10)
	}
	if in.EndTime != nil {
		end = strconv.FormatInt(*in.EndTime, 10)
	}
	scope := pagetoken.Scope("FilterLogEvents", name, strings.Join(in.LogStreamNames, "\x00"), in.LogStreamNamePrefix, start, end, in.FilterPattern)
	var from int64
	if in.NextToken != "" {
		last, ok := pagetoken.Last(in.NextToken, scope)
		if from, err = strconv.ParseInt(last, 10, 64); !ok || err != nil {
			return nil, errBadToken
		}
	}
	all, streams, err := s.snapshot(name)
	if err != nil {
		return nil, err
	}
	want := func(stream string) bool {
		if len(in.LogStreamNames) > 0 {
			for _, n := range in.LogStreamNames {
				if n == stream {
					return true
				}
			}
			return false
		}
		return strings.HasPrefix(stream, in.LogStreamNamePrefix)
	}
	events := []any{}
	out := map[string]any{}
	size := 0
	for _, e := range all {
		if e.seq <= from || !want(e.stream) || (in.StartTime != nil && e.time < *in.StartTime) ||
			(in.EndTime != nil && e.time > *in.EndTime) || !pt.match(e.msg) {
			continue
		}
		if size += eventSize(e); len(events) == n || (size > maxResponse && len(events) > 0) {
			out["nextToken"] = pagetoken.After(scope, strconv.FormatInt(from, 10))
			break
		}
		events = append(events, map[string]any{"logStreamName": e.stream, "timestamp": e.time, "message": e.msg,
			"ingestionTime": e.ingested, "eventId": fmt.Sprintf("%056d", e.seq)})
		from = e.seq
	}
	searched := []any{}
	for _, st := range streams {
		if want(st.name) {
			searched = append(searched, map[string]any{"logStreamName": st.name, "searchedCompletely": true})
		}
	}
	out["events"], out["searchedLogStreams"] = events, searched
	return out, nil
}
