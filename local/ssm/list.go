package ssm

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/internal/ssmname"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/pagetoken"
)

// stringFilter is one of ParameterFilters (DescribeParameters, GetParametersByPath).
type stringFilter struct {
	Key    string
	Option *string
	Values []string
}

// filterKey is the model's pattern for ParameterStringFilterKey.
var filterKey = regexp.MustCompile(`^(tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType)$`)

// invalidOption is InvalidFilterOption's message in the model's words, after what names the filter.
const invalidOption = "The specified filter option isn't valid. Valid options are Equals and BeginsWith. For Path filter, valid options are Recursive and OneLevel."

// check refuses filter i (from 1) of ParameterFilters as SSM does: the model's constraints
// (ValidationException), a key the operation does not filter on (InvalidFilterKey: Label for
// DescribeParameters, all but Type, KeyId and Label for GetParametersByPath), an option the key
// does not take (InvalidFilterOption), a key other than tag:<key> without values and a Path filter
// value that is not a hierarchy (InvalidFilterValue).
func (f stringFilter) check(i int, byPath bool) error {
	at := fmt.Sprintf("parameterFilters.%d.member.", i)
	switch {
	case f.Key == "":
		return constraint(at+"key", nil, "not be null")
	case len(f.Key) > 132:
		return constraint(at+"key", f.Key, "have length less than or equal to 132")
	case !filterKey.MatchString(f.Key):
		return constraint(at+"key", f.Key, "satisfy regular expression pattern: tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType")
	case f.Option != nil && (*f.Option == "" || len(*f.Option) > 10):
		return constraint(at+"option", *f.Option, "have length between 1 and 10")
	}
	if err := checkValues(at+"values", f.Values); err != nil {
		return err
	}
	tagKey := strings.HasPrefix(f.Key, "tag:")
	if allowed := f.Key == "Type" || f.Key == "KeyId" || f.Key == "Label"; (byPath && !allowed) || (!byPath && f.Key == "Label") {
		op := "DescribeParameters"
		if byPath {
			op = "GetParametersByPath"
		}
		return &apiError{Code: "InvalidFilterKey", Status: 400, Message: fmt.Sprintf("The filter key %s isn't valid for %s.", f.Key, op)}
	}
	if f.Option != nil && !contains(f.options(), *f.Option) {
		return &apiError{Code: "InvalidFilterOption", Status: 400,
			Message: fmt.Sprintf("Filter %s: option %s: %s", f.Key, *f.Option, invalidOption)}
	}
	if len(f.Values) == 0 && !tagKey {
		return &apiError{Code: "InvalidFilterValue", Status: 400, Message: fmt.Sprintf("The filter %s needs one or more values.", f.Key)}
	}
	if f.Key == "Path" {
		for _, v := range f.Values {
			if err := checkPath(v, "Path filter value"); err != nil {
				return &apiError{Code: "InvalidFilterValue", Status: 400, Message: err.(*apiError).Message}
			}
		}
	}
	return nil
}

// options are the options f's key takes; the first is its default.
func (f stringFilter) options() []string {
	switch f.Key {
	case "Path":
		return []string{"OneLevel", "Recursive"}
	case "Name":
		return []string{"Equals", "BeginsWith", "Contains"}
	case "Label":
		return []string{"Equals"}
	}
	return []string{"Equals", "BeginsWith"}
}

// checkValues checks a filter's Values as the model bounds them: 1 to 50 values of 1 to 1024
// characters, or none at all.
func checkValues(member string, values []string) error {
	if values == nil {
		return nil
	}
	if len(values) == 0 || len(values) > 50 {
		return constraint(member, "["+strings.Join(values, ", ")+"]", "have length between 1 and 50")
	}
	for _, v := range values {
		if v == "" {
			return constraint(member, "["+strings.Join(values, ", ")+"]", "satisfy constraint: [Member must have length greater than or equal to 1]")
		}
		if err := maxLength(member, v, 1024); err != nil {
			return err
		}
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// match tells whether p passes f: one of its values matches, by f's option.
func (f stringFilter) match(p Parameter) bool {
	option := f.options()[0]
	if f.Option != nil {
		option = *f.Option
	}
	if f.Key == "Path" {
		for _, v := range f.Values {
			if under(p.Name, v, option == "Recursive") {
				return true
			}
		}
		return false
	}
	field, ok := f.field(p)
	if !ok || len(f.Values) == 0 {
		return ok
	}
	for _, v := range f.Values {
		if option == "Equals" && field == v || option == "BeginsWith" && strings.HasPrefix(field, v) || option == "Contains" && strings.Contains(field, v) {
			return true
		}
	}
	return false
}

// field is p's attribute f's key filters on, and whether p has it (a KeyId, the tag; no
// parameter has a label here).
func (f stringFilter) field(p Parameter) (string, bool) {
	switch f.Key {
	case "Name":
		return p.Name, true
	case "Type":
		return p.Type, true
	case "KeyId":
		return p.KeyId, p.KeyId != ""
	case "Tier":
		return "Standard", true
	case "DataType":
		return "text", true
	case "Label":
		return "", false
	}
	v, ok := p.Tags[strings.TrimPrefix(f.Key, "tag:")]
	return v, ok
}

// oldFilter is one of DescribeParameters' deprecated Filters.
type oldFilter struct {
	Key    string
	Values []string
}

// filter checks filter i (from 1) of Filters against the model and turns it into the
// ParameterFilters filter that does its work: Name matches a name's beginning (as this store has
// always read it; the model does not say), Type and KeyId match exactly.
func (f oldFilter) filter(i int) (stringFilter, error) {
	at := fmt.Sprintf("filters.%d.member.", i)
	if err := oneOf(at+"key", f.Key, "Name", "Type", "KeyId"); err != nil {
		return stringFilter{}, err
	}
	if f.Values == nil {
		return stringFilter{}, constraint(at+"values", nil, "not be null")
	}
	if err := checkValues(at+"values", f.Values); err != nil {
		return stringFilter{}, err
	}
	option := "Equals"
	if f.Key == "Name" {
		option = "BeginsWith"
	}
	return stringFilter{Key: f.Key, Option: &option, Values: f.Values}, nil
}

// pageScope is op's listing as the request body asks for it: every member but NextToken and
// MaxResults (pagetoken.Scope), so that a token is refused by another request.
func pageScope(op string, body []byte) string {
	var m map[string]json.RawMessage
	_ = json.Unmarshal(body, &m) // decode has accepted the body
	delete(m, "NextToken")
	delete(m, "MaxResults")
	b, _ := json.Marshal(m) // the members sorted, their values compacted
	return pagetoken.Scope(op, string(b))
}

// page is where a paginated listing starts and ends.
type page struct {
	op         string // the listing (pageScope)
	token      string
	maxResults *int
	limit      int // the model's maximum of MaxResults
}

// defaultPage is a page's size when the request gives no MaxResults. SSM's own default is not in
// the model; 10 is what DescribeParameters and GetParametersByPath answer unasked (from memory of
// AWS's answers), and the same is used for GetParameterHistory.
const defaultPage = 10

// of answers the page of keys (sorted) the request asks for: the indexes [from, to) and the token
// of the next page ("" when the listing ends there). A token is the listing and the last key
// answered; one this service did not make for the same listing is InvalidNextToken.
func (pg page) of(keys []string) (from, to int, next string, err error) {
	n := defaultPage
	if pg.maxResults != nil {
		n = *pg.maxResults
		if n < 1 {
			return 0, 0, "", constraint("maxResults", n, "have value greater than or equal to 1")
		}
		if n > pg.limit {
			return 0, 0, "", constraint("maxResults", n, fmt.Sprintf("have value less than or equal to %d", pg.limit))
		}
	}
	from, to, next, ok := pagetoken.Page(keys, pg.token, pg.op, n)
	if !ok {
		return 0, 0, "", &apiError{Code: "InvalidNextToken", Status: 400, Message: "The specified token isn't valid."}
	}
	return from, to, next, nil
}

// answer is the page of a listing as SSM answers it: its Parameters (item(i) for each key i on
// it; keys are sorted) and the NextToken of the next page, if any.
func (pg page) answer(keys []string, item func(i int) map[string]any) (map[string]any, error) {
	from, to, next, err := pg.of(keys)
	if err != nil {
		return nil, err
	}
	list := make([]any, 0, to-from)
	for i := from; i < to; i++ {
		list = append(list, item(i))
	}
	out := map[string]any{"Parameters": list}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

// names are the names of params, the keys of their listing.
func names(params []Parameter) []string {
	out := make([]string, len(params))
	for i, p := range params {
		out[i] = p.Name
	}
	return out
}

// matching is the stored parameters (sorted by name) that pass every filter and keep.
func (s *Service) matching(filters []stringFilter, keep func(Parameter) bool) []Parameter {
	var out []Parameter
	for _, p := range s.sorted() {
		ok := keep(p)
		for _, f := range filters {
			ok = ok && f.match(p)
		}
		if ok {
			out = append(out, p)
		}
	}
	return out
}

func (s *Service) describe(body []byte) (any, error) {
	var in struct {
		Filters          []oldFilter
		ParameterFilters []stringFilter
		MaxResults       *int
		NextToken        string
		Shared           bool
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if len(in.Filters) > 0 && len(in.ParameterFilters) > 0 {
		// AWS's refusal, in its words from memory; the model only marks Filters deprecated.
		return nil, validation("You can use either Filters or ParameterFilters in a single request.")
	}
	filters := in.ParameterFilters
	for i, f := range in.ParameterFilters {
		if err := f.check(i+1, false); err != nil {
			return nil, err
		}
	}
	for i, f := range in.Filters {
		sf, err := f.filter(i + 1)
		if err != nil {
			return nil, err
		}
		filters = append(filters, sf)
	}
	// Shared lists the parameters other accounts share with this one: the local cloud has none.
	params := s.matching(filters, func(Parameter) bool { return !in.Shared })
	pg := page{op: pageScope("DescribeParameters", body), token: in.NextToken, maxResults: in.MaxResults, limit: 50}
	return pg.answer(names(params), func(i int) map[string]any { return s.metadataJSON(params[i]) })
}

// metadataJSON is a Parameter as DescribeParameters answers it (no value).
func (s *Service) metadataJSON(p Parameter) map[string]any {
	out := map[string]any{
		"Name": p.Name, "Type": p.Type, "Version": p.Version, "Description": p.Description,
		"LastModifiedDate": epoch(p.LastModifiedDate), "Tier": "Standard", "DataType": "text", "ARN": s.arn(p.Name),
		"Policies": []any{}, "LastModifiedUser": p.LastModifiedUser,
	}
	if p.KeyId != "" {
		out["KeyId"] = p.KeyId
	}
	if p.AllowedPattern != "" {
		out["AllowedPattern"] = p.AllowedPattern
	}
	return out
}

func (s *Service) byPath(body []byte) (any, error) {
	var in struct {
		Path             *string
		Recursive        bool
		WithDecryption   bool
		ParameterFilters []stringFilter
		MaxResults       *int
		NextToken        string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Path == nil {
		return nil, constraint("path", nil, "not be null")
	}
	path := ssmname.Parse(*in.Path, ssmname.Plain).Name
	if err := maxLength("path", path, 2048); err != nil {
		return nil, err
	}
	if err := checkPath(path, "Path"); err != nil {
		return nil, err
	}
	for i, f := range in.ParameterFilters {
		if err := f.check(i+1, true); err != nil {
			return nil, err
		}
	}
	params := s.matching(in.ParameterFilters, func(p Parameter) bool { return under(p.Name, path, in.Recursive) })
	pg := page{op: pageScope("GetParametersByPath", body), token: in.NextToken, maxResults: in.MaxResults, limit: 10}
	return pg.answer(names(params), func(i int) map[string]any { return s.paramJSON(params[i], "", in.WithDecryption) })
}
