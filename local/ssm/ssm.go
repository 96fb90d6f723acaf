// Package ssm is the local cloud's SSM Parameter Store: the awsJson1.1 API the AWS SDK speaks
// (X-Amz-Target AmazonSSM.<Op>) over an in-memory store, plus Go methods for in-process use.
//
// Supported: PutParameter (Overwrite, versions, ParameterAlreadyExists), GetParameter (with
// LastModifiedDate, which the failure layer's expiresAfterSeconds counts from), GetParameters,
// DeleteParameter, DeleteParameters, DescribeParameters (Name filters Equals/BeginsWith),
// GetParametersByPath (Recursive), GetParameterHistory (the last 100 versions). SecureString values
// are stored and returned as given (no KMS).
//
// The store also keeps every write in order, deletes included, for in-process readers: History
// (one parameter) and Writes (all of them since a time). The live dashboard page uses Writes to
// know when a fault was on.
package ssm

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/local/internal/exactjson"
)

// Parameter is one stored parameter.
type Parameter struct {
	Name             string
	Type             string // String, StringList or SecureString
	Value            string
	Description      string
	Version          int64
	LastModifiedDate time.Time
}

// Service is the Parameter Store; it is an http.Handler for the "ssm" signing name.
type Service struct {
	mu     sync.RWMutex
	params map[string]*Parameter
	// history is every write, oldest first (history.go).
	history []Write
	now     func() time.Time
	region  string
}

var _ http.Handler = (*Service)(nil)

// New returns an empty Parameter Store.
func New() *Service {
	return &Service{params: map[string]*Parameter{}, now: time.Now, region: "us-east-1"}
}

// ErrParameterNotFound is returned by Get and Delete for a missing name.
var ErrParameterNotFound = fmt.Errorf("ssm: parameter not found")

// Get returns the parameter named name.
func (s *Service) Get(name string) (Parameter, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.params[name]
	if !ok {
		return Parameter{}, fmt.Errorf("get %s: %w", name, ErrParameterNotFound)
	}
	return *p, nil
}

// Put creates or overwrites a String parameter and returns its new version.
func (s *Service) Put(name, value string) (int64, error) {
	p, err := s.put(putInput{Name: name, Value: &value, Type: "String", Overwrite: true})
	if err != nil {
		return 0, err
	}
	return p.Version, nil
}

// Delete removes the parameter named name.
func (s *Service) Delete(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.params[name]; !ok {
		return fmt.Errorf("delete %s: %w", name, ErrParameterNotFound)
	}
	delete(s.params, name)
	s.record(Write{Name: name, Time: s.now(), Deleted: true})
	return nil
}

// apiError is an error the SDK decodes into the typed error named Code.
type apiError struct {
	Code    string
	Message string
	Status  int
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func notFound(name string) *apiError {
	return &apiError{Code: "ParameterNotFound", Message: fmt.Sprintf("Parameter %s not found.", name), Status: 400}
}

func validation(msg string) *apiError {
	return &apiError{Code: "ValidationException", Message: msg, Status: 400}
}

type putInput struct {
	Name        string
	Value       *string
	Type        string
	Description string
	Overwrite   bool
	DataType    string
}

// maxValue is the Standard tier's value limit (4 KB); the local store has only the Standard tier.
const maxValue = 4096

func (s *Service) put(in putInput) (Parameter, error) {
	if in.Name == "" {
		return Parameter{}, validation("1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null")
	}
	if in.Value == nil || *in.Value == "" {
		return Parameter{}, validation("1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(*in.Value) > maxValue {
		return Parameter{}, validation(fmt.Sprintf("Standard tier parameters support a maximum parameter value of %d characters; %s has %d", maxValue, in.Name, len(*in.Value)))
	}
	switch in.Type {
	case "", "String", "StringList", "SecureString":
	default:
		return Parameter{}, validation(fmt.Sprintf("1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]", in.Type))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, exists := s.params[in.Name]
	if exists && !in.Overwrite {
		return Parameter{}, &apiError{Code: "ParameterAlreadyExists", Message: "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.", Status: 400}
	}
	if !exists {
		p = &Parameter{Name: in.Name, Type: "String"}
		s.params[in.Name] = p
	}
	if in.Type != "" {
		p.Type = in.Type
	}
	if in.Description != "" {
		p.Description = in.Description
	}
	p.Value = *in.Value
	p.Version++
	p.LastModifiedDate = s.now()
	s.record(Write{Name: p.Name, Value: p.Value, Type: p.Type, Version: p.Version, Time: p.LastModifiedDate})
	return *p, nil
}

func (s *Service) arn(name string) string {
	return fmt.Sprintf("arn:aws:ssm:%s:000000000000:parameter/%s", s.region, strings.TrimPrefix(name, "/"))
}

// epoch renders a timestamp as awsJson does: seconds since the epoch, fractional.
func epoch(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func (s *Service) paramJSON(p Parameter) map[string]any {
	return map[string]any{
		"Name": p.Name, "Type": p.Type, "Value": p.Value, "Version": p.Version,
		"LastModifiedDate": epoch(p.LastModifiedDate), "ARN": s.arn(p.Name), "DataType": "text",
	}
}

// ServeHTTP answers the awsJson1.1 API.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, "AmazonSSM.")
	if !ok || r.Method != http.MethodPost {
		writeErr(w, &apiError{Code: "UnknownOperationException", Message: fmt.Sprintf("ssm: X-Amz-Target %q is not an SSM operation", target), Status: 400})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeErr(w, validation("ssm: read body: "+err.Error()))
		return
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	var out any
	switch op {
	case "PutParameter":
		var in struct {
			Name, Type, Description, DataType string
			Value                             *string
			Overwrite                         bool
		}
		if err = exactjson.Unmarshal(body, &in); err == nil {
			var p Parameter
			p, err = s.put(putInput{Name: in.Name, Value: in.Value, Type: in.Type, Description: in.Description, Overwrite: in.Overwrite})
			out = map[string]any{"Version": p.Version, "Tier": "Standard"}
		}
	case "GetParameter":
		var in struct{ Name string }
		if err = exactjson.Unmarshal(body, &in); err == nil {
			var p Parameter
			if p, err = s.Get(in.Name); err != nil {
				err = notFound(in.Name)
			} else {
				out = map[string]any{"Parameter": s.paramJSON(p)}
			}
		}
	case "GetParameters":
		var in struct{ Names []string }
		if err = exactjson.Unmarshal(body, &in); err == nil {
			params, invalid := []any{}, []string{}
			for _, n := range in.Names {
				if p, gerr := s.Get(n); gerr == nil {
					params = append(params, s.paramJSON(p))
				} else {
					invalid = append(invalid, n)
				}
			}
			out = map[string]any{"Parameters": params, "InvalidParameters": invalid}
		}
	case "DeleteParameter":
		var in struct{ Name string }
		if err = exactjson.Unmarshal(body, &in); err == nil {
			if err = s.Delete(in.Name); err != nil {
				err = notFound(in.Name)
			}
			out = map[string]any{}
		}
	case "DeleteParameters":
		var in struct{ Names []string }
		if err = exactjson.Unmarshal(body, &in); err == nil {
			deleted, invalid := []string{}, []string{}
			for _, n := range in.Names {
				if s.Delete(n) == nil {
					deleted = append(deleted, n)
				} else {
					invalid = append(invalid, n)
				}
			}
			out = map[string]any{"DeletedParameters": deleted, "InvalidParameters": invalid}
		}
	case "DescribeParameters":
		out, err = s.describe(body)
	case "GetParametersByPath":
		out, err = s.byPath(body)
	case "GetParameterHistory":
		out, err = s.parameterHistory(body)
	default:
		err = &apiError{Code: "UnknownOperationException", Message: fmt.Sprintf("ssm: operation %s is not emulated by the local cloud", op), Status: 400}
	}
	if err != nil {
		if _, ok := err.(*apiError); !ok {
			err = validation("ssm " + op + ": " + err.Error())
		}
		writeErr(w, err.(*apiError))
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

func (s *Service) sorted() []Parameter {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Parameter, 0, len(s.params))
	for _, p := range s.params {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (s *Service) describe(body []byte) (any, error) {
	var in struct {
		ParameterFilters []struct {
			Key, Option string
			Values      []string
		}
		Filters []struct {
			Key    string
			Values []string
		}
	}
	if err := exactjson.Unmarshal(body, &in); err != nil {
		return nil, err
	}
	match := func(p Parameter) bool {
		for _, f := range in.ParameterFilters {
			if f.Key != "Name" {
				continue
			}
			ok := false
			for _, v := range f.Values {
				if (f.Option == "BeginsWith" && strings.HasPrefix(p.Name, v)) || ((f.Option == "" || f.Option == "Equals") && p.Name == v) {
					ok = true
				}
			}
			if !ok {
				return false
			}
		}
		for _, f := range in.Filters {
			if f.Key != "Name" {
				continue
			}
			ok := false
			for _, v := range f.Values {
				if strings.HasPrefix(p.Name, v) {
					ok = true
				}
			}
			if !ok {
				return false
			}
		}
		return true
	}
	list := []any{}
	for _, p := range s.sorted() {
		if match(p) {
			list = append(list, map[string]any{
				"Name": p.Name, "Type": p.Type, "Version": p.Version, "Description": p.Description,
				"LastModifiedDate": epoch(p.LastModifiedDate), "Tier": "Standard", "DataType": "text", "ARN": s.arn(p.Name),
			})
		}
	}
	return map[string]any{"Parameters": list}, nil
}

func (s *Service) byPath(body []byte) (any, error) {
	var in struct {
		Path      string
		Recursive bool
	}
	if err := exactjson.Unmarshal(body, &in); err != nil {
		return nil, err
	}
	prefix := strings.TrimSuffix(in.Path, "/") + "/"
	list := []any{}
	for _, p := range s.sorted() {
		rest, ok := strings.CutPrefix(p.Name, prefix)
		if !ok || (!in.Recursive && strings.Contains(rest, "/")) {
			continue
		}
		list = append(list, s.paramJSON(p))
	}
	return map[string]any{"Parameters": list}, nil
}

func writeErr(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.Code, "message": e.Message})
}
