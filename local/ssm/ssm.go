// Package ssm is the local cloud's SSM Parameter Store: the awsJson1.1 API the AWS SDK speaks
// (X-Amz-Target AmazonSSM.<Op>) over an in-memory store, plus Go methods for in-process use.
//
// Supported: PutParameter (Type required on create, Overwrite, versions, AllowedPattern, Tags on
// create, the naming constraints), GetParameter and GetParameters (by name or ARN, with a
// ":version" selector; LastModifiedDate, which the failure layer's expiresAfterSeconds counts
// from), DeleteParameter, DeleteParameters, DescribeParameters (ParameterFilters Name, Type, KeyId,
// Path, Tier, DataType and tag:<key>, or the deprecated Filters; paginated), GetParametersByPath
// (Recursive, filters Type, KeyId and Label; paginated), GetParameterHistory (the last 100
// versions; paginated). Requests are checked against the model's constraints and refused with
// SSM's error codes. SecureString values are stored as given (no KMS), and read in plain only with
// WithDecryption (without it, base64-encoded, where SSM answers the ciphertext); only the
// Standard tier (10,000 parameters at most) and the text data type exist, and no labels or
// parameter policies (a request for them is refused, not ignored).
//
// The store also keeps every write in order, deletes included, for in-process readers: History
// (one parameter) and Writes (all of them since a time). The live dashboard page uses Writes to
// know when a fault was on.
package ssm

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/chaoslab/serverless-chaos-lab/internal/ssmname"
	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/exactjson"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/modelrule"
)

// Parameter is one stored parameter.
type Parameter struct {
	Name             string
	Type             string // String, StringList or SecureString
	Value            string
	Description      string
	AllowedPattern   string
	KeyId            string // SecureString only: the key given, or SSM's default alias/aws/ssm
	Tags             map[string]string
	Version          int64
	LastModifiedDate time.Time
	// LastModifiedUser is the ARN that made this version: the caller that signed the PutParameter
	// (a role session's ARN for a role), the account's root for a write through Put.
	LastModifiedUser string
}

// Service is the Parameter Store; it is an http.Handler for the "ssm" signing name.
type Service struct {
	mu     sync.RWMutex
	params map[string]*Parameter
	// history is every write, oldest first, and versionsOf each parameter's last versions
	// (history.go).
	history    []Write
	versionsOf map[string][]Write
	now        func() time.Time
	region     string
}

var _ http.Handler = (*Service)(nil)

// account is the local cloud's account, in parameter ARNs.
const account = "000000000000"

// rootUser is the LastModifiedUser of a write whose caller is not known (Put, from the cloud's
// deploys): the account's.
const rootUser = "arn:aws:iam::" + account + ":root"

// New returns an empty Parameter Store.
func New() *Service {
	return &Service{params: map[string]*Parameter{}, versionsOf: map[string][]Write{}, now: time.Now, region: "us-east-1"}
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
	p, err := s.put(putInput{Name: name, Value: &value, Type: "String", Overwrite: true, by: rootUser})
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

// constraint is the ValidationException AWS's request validation answers for a member (member,
// as the model's path in lowerCamelCase) whose value breaks the model's constraint (must ...).
func constraint(member string, value any, must string) *apiError {
	return validation(modelrule.Message(member, value, must))
}

// maxLength refuses a string member longer than max characters.
func maxLength(member, v string, max int) error {
	if utf8.RuneCountInString(v) > max {
		return constraint(member, v, fmt.Sprintf("have length less than or equal to %d", max))
	}
	return nil
}

// oneOf refuses a member whose value is not in the model's enum.
func oneOf(member, v string, enum ...string) error {
	for _, e := range enum {
		if v == e {
			return nil
		}
	}
	return constraint(member, v, "satisfy enum value set: ["+strings.Join(enum, ", ")+"]")
}

// tag is one of PutParameter's Tags.
type tag struct {
	Key   string
	Value *string
}

// putInput is PutParameter's request.
type putInput struct {
	Name           string
	Value          *string
	Type           string
	Description    *string
	KeyId          string
	Overwrite      bool
	AllowedPattern *string
	Tags           []tag
	Tier           string
	Policies       *string
	DataType       string
	by             string // who writes: LastModifiedUser (not a member of the request)
}

// maxParameters is how many Standard-tier parameters a Region holds.
const maxParameters = 10000

// maxValue is the Standard tier's value limit: the model documents it as 4 KB (PutParameter's
// Value and Tier), so it counts bytes; the local store has only the Standard tier.
const maxValue = 4096

// nested is a value SSM refuses: the model's PutParameter Value says "You can't include values
// wrapped in double brackets {{}} or {{ssm:parameter-name}} in a parameter value" (the refusal's
// words are from memory of AWS's answer). A JSON value may end in "}}" but has no "{{".
var nested = regexp.MustCompile(`(?s)\{\{.*\}\}`)

// tagPattern is the model's pattern for a Tag's Key and Value.
const tagPattern = `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`

var tagChars = regexp.MustCompile(tagPattern)

// keyID is the model's pattern for ParameterKeyId.
var keyID = regexp.MustCompile(`^([a-zA-Z0-9:/_-]+)$`)

// defaultKey is the key SSM encrypts a SecureString with when the request names none.
const defaultKey = "alias/aws/ssm"

// check refuses a PutParameter whose members break the model's constraints, or ask for what the
// local store does not emulate (the Advanced tier, parameter policies, data types other than text).
// It returns the compiled AllowedPattern, if the request has one.
func (in *putInput) check() (*regexp.Regexp, error) {
	if in.Value == nil {
		return nil, constraint("value", nil, "not be null")
	}
	if *in.Value == "" {
		return nil, constraint("value", "", "have length greater than or equal to 1")
	}
	if len(*in.Value) > maxValue {
		return nil, validation(fmt.Sprintf("Standard tier parameters support a maximum parameter value of %d bytes (4 KB); the value of %s has %d", maxValue, in.Name, len(*in.Value)))
	}
	if nested.MatchString(*in.Value) {
		return nil, validation("Parameter value can't nest another parameter. Do not use \"{{}}\" in the value.")
	}
	if in.Type != "" {
		if err := oneOf("type", in.Type, "String", "StringList", "SecureString"); err != nil {
			return nil, err
		}
	}
	if in.KeyId != "" && (len(in.KeyId) > 256 || !keyID.MatchString(in.KeyId)) {
		return nil, constraint("keyId", in.KeyId, "satisfy regular expression pattern: ^([a-zA-Z0-9:/_-]+)$ and have length less than or equal to 256")
	}

	if in.Description != nil {
		if err := maxLength("description", *in.Description, 1024); err != nil {
			return nil, err
		}
	}
	if in.Tier != "" {
		if err := oneOf("tier", in.Tier, "Standard", "Advanced", "Intelligent-Tiering"); err != nil {
			return nil, err
		}
		if in.Tier == "Advanced" {
			return nil, validation("Tier Advanced: the local Parameter Store has only the Standard tier")
		}
	}
	if in.Policies != nil {
		return nil, validation("Policies: parameter policies need the Advanced tier, which the local Parameter Store does not have")
	}
	if err := checkDataType(in.DataType); err != nil {
		return nil, err
	}
	if err := in.checkTags(); err != nil {
		return nil, err
	}
	if in.AllowedPattern == nil {
		return nil, nil
	}
	if err := maxLength("allowedPattern", *in.AllowedPattern, 1024); err != nil {
		return nil, err
	}
	// SSM's patterns are Java's; Go's RE2 lacks a few of their constructs (backreferences,
	// lookaround), which are refused here as invalid.
	re, err := regexp.Compile(*in.AllowedPattern)
	if err != nil {
		return nil, &apiError{Code: "InvalidAllowedPatternException", Status: 400,
			Message: fmt.Sprintf("AllowedPattern %q is not a valid regular expression: %v", *in.AllowedPattern, err)}
	}
	return re, nil
}

// checkDataType refuses a DataType other than text (the default): aws:ec2:image needs EC2's
// images and aws:ssm:integration SSM's integrations, neither of which the local cloud has.
func checkDataType(dt string) error {
	switch dt {
	case "", "text":
		return nil
	case "aws:ec2:image", "aws:ssm:integration":
		return validation(fmt.Sprintf("DataType %s: the local Parameter Store has only the text data type", dt))
	}
	if err := maxLength("dataType", dt, 128); err != nil {
		return err
	}
	return validation(fmt.Sprintf("DataType %s is not supported: the data types are text, aws:ec2:image and aws:ssm:integration", dt))
}

// checkTags refuses Tags with Overwrite (SSM tags only a parameter it creates; its message, from
// memory of AWS's answer) and tags that break the model's Tag constraints (lengths, pattern).
func (in *putInput) checkTags() error {
	if len(in.Tags) == 0 {
		return nil
	}
	if in.Overwrite {
		return validation("Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. " +
			"To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.")
	}
	if len(in.Tags) > 1000 {
		return constraint("tags", len(in.Tags), "have length less than or equal to 1000")
	}
	for i, t := range in.Tags {
		at := fmt.Sprintf("tags.%d.member.", i+1)
		switch {
		case t.Key == "":
			return constraint(at+"key", nil, "have length greater than or equal to 1")
		case t.Value == nil:
			return constraint(at+"value", nil, "not be null")
		}
		if err := maxLength(at+"key", t.Key, 128); err != nil {
			return err
		}
		if err := maxLength(at+"value", *t.Value, 256); err != nil {
			return err
		}
		if !tagChars.MatchString(t.Key) {
			return constraint(at+"key", t.Key, "satisfy regular expression pattern: "+tagPattern)
		}
		if !tagChars.MatchString(*t.Value) {
			return constraint(at+"value", *t.Value, "satisfy regular expression pattern: "+tagPattern)
		}
	}
	return nil
}

func (s *Service) put(in putInput) (Parameter, error) {
	in.Name = strings.Trim(in.Name, " ")
	if err := s.checkName(in.Name); err != nil {
		return Parameter{}, err
	}
	re, err := in.check()
	if err != nil {
		return Parameter{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, exists := s.params[in.Name]
	if exists && !in.Overwrite {
		return Parameter{}, &apiError{Code: "ParameterAlreadyExists", Message: "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.", Status: 400}
	}
	if !exists && in.Type == "" {
		return Parameter{}, validation("A parameter type is required when you create a parameter: Type is one of String, StringList and SecureString.")
	}
	// The model's ParameterTier: "You can create a maximum of 10,000 standard parameters for each
	// Region"; the local store has only the Standard tier, so the next one is refused.
	if !exists && len(s.params) >= maxParameters {
		return Parameter{}, &apiError{Code: "ParameterLimitExceeded", Status: 400,
			Message: fmt.Sprintf("You have exceeded the number of parameters for this Amazon Web Services account (%d standard parameters). Delete one or more parameters and try again.", maxParameters)}
	}
	// The local cloud has no KMS: SSM's own key (by its alias, or its alias's ARN) is the only one
	// there is, and a SecureString's other key is one that does not exist, which SSM refuses (it
	// took any and recorded it). A String's KeyId is not read, as before.
	if secure := in.Type == "SecureString" || in.Type == "" && exists && p.Type == "SecureString"; secure && in.KeyId != "" &&
		in.KeyId != defaultKey && in.KeyId != "arn:aws:kms:"+s.region+":"+account+":"+defaultKey {
		return Parameter{}, &apiError{Code: "InvalidKeyId", Status: 400,
			Message: fmt.Sprintf("KeyId %s: the local cloud has no KMS keys; leave KeyId out for SSM's own key (%s)", in.KeyId, defaultKey)}
	}
	// An overwrite without AllowedPattern keeps the parameter's pattern, which its new value must match too.
	if re == nil && exists && p.AllowedPattern != "" {
		re = regexp.MustCompile(p.AllowedPattern)
	}
	// The pattern may match anywhere in the value, as the model's example ^\d+$ (anchored) implies.
	if re != nil && !re.MatchString(*in.Value) {
		return Parameter{}, &apiError{Code: "ParameterPatternMismatchException", Status: 400,
			Message: fmt.Sprintf("Parameter value, cannot be validated against allowedPattern: %s", re)}
	}
	if !exists {
		p = &Parameter{Name: in.Name}
		for _, t := range in.Tags {
			if p.Tags == nil {
				p.Tags = map[string]string{}
			}
			p.Tags[t.Key] = *t.Value
		}
		s.params[in.Name] = p
	}
	p.update(in, re)
	p.Version++
	p.LastModifiedDate = s.now()
	p.LastModifiedUser = in.by
	if p.LastModifiedUser == "" {
		p.LastModifiedUser = rootUser
	}
	s.record(Write{Name: p.Name, Value: p.Value, Type: p.Type, Version: p.Version, Time: p.LastModifiedDate, User: p.LastModifiedUser,
		KeyId: p.KeyId, Description: p.Description, AllowedPattern: p.AllowedPattern})
	return *p, nil
}

// update sets what in gives of p's attributes; what it does not give stays.
func (p *Parameter) update(in putInput, re *regexp.Regexp) {
	if in.Type != "" {
		p.Type = in.Type
	}
	if in.Description != nil {
		p.Description = *in.Description
	}
	if re != nil {
		p.AllowedPattern = re.String()
	}
	switch {
	case p.Type != "SecureString":
		p.KeyId = ""
	case in.KeyId != "":
		p.KeyId = in.KeyId
	case p.KeyId == "":
		p.KeyId = defaultKey
	}
	p.Value = *in.Value
}

// resolve finds the parameter ref names (by name, or by ARN in this region and account) and the
// selected version. The caller holds s.mu.
func (s *Service) resolve(ref ssmname.Ref) (Parameter, error) {
	p, ok := s.lookup(ref)
	if !ok {
		return Parameter{}, notFound(ref.Name + ref.ARN)
	}
	if !ref.Selected {
		return *p, nil
	}
	for _, w := range s.versions(p.Name) {
		if fmt.Sprint(w.Version) == ref.Selector {
			v := *p
			v.Value, v.Type, v.Version, v.LastModifiedDate, v.LastModifiedUser = w.Value, w.Type, w.Version, w.Time, w.User
			return v, nil
		}
	}
	// The local store has no labels, so a label selector finds no version, as SSM answers for a
	// label no version has (from memory of AWS's answer).
	return Parameter{}, &apiError{Code: "ParameterVersionNotFound", Status: 400,
		Message: fmt.Sprintf("Systems Manager could not find version %s of %s. Verify the version and try again.", ref.Selector, p.Name)}
}

// lookup finds the parameter ref names. An ARN of another region or account names none here;
// "parameter/x" is the ARN of both "x" and "/x" (ssmname.ARN), and names "x" when both exist.
// The caller holds s.mu.
func (s *Service) lookup(ref ssmname.Ref) (*Parameter, bool) {
	if ref.ARN == "" {
		p, ok := s.params[ref.Name]
		return p, ok
	}
	rest, ok := strings.CutPrefix(ref.ARN, ssmname.ARN(s.region, account, ""))
	if !ok || rest == "" {
		return nil, false
	}
	if !strings.Contains(rest, "/") {
		if p, ok := s.params[rest]; ok {
			return p, true
		}
	}
	p, ok := s.params["/"+rest]
	return p, ok
}

// get answers GetParameter's name (a name or ARN, with an optional selector).
func (s *Service) get(member string) (Parameter, error) {
	ref, err := readRef(member, ssmname.Selectable)
	if err != nil {
		return Parameter{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.resolve(ref)
}

// maxName is the model's maximum length of PSParameterName, every operation's Name member.
const maxName = 2048

// readRef reads the Name member of a read (GetParameter(s), GetParameterHistory) as form reads
// it, and refuses it as SSM does: absent, longer than the model's PSParameterName allows, or with
// spaces between characters (those operations' documentation: such a request "fails with a
// ValidationException error").
func readRef(member string, form ssmname.Form) (ssmname.Ref, error) {
	ref := ssmname.Parse(member, form)
	switch {
	case ref.Name+ref.ARN == "":
		return ref, constraint("name", nil, "not be null")
	case utf8.RuneCountInString(member) > maxName:
		return ref, constraint("name", member, fmt.Sprintf("have length less than or equal to %d", maxName))
	case strings.Contains(ref.Name+ref.ARN, " "):
		return ref, validation(fmt.Sprintf("Parameter name %q contains spaces: a parameter name can't contain spaces", member))
	}
	return ref, nil
}

func (s *Service) arn(name string) string { return ssmname.ARN(s.region, account, name) }

// epoch renders a timestamp as awsJson does: seconds since the epoch, fractional.
func epoch(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// value is a parameter's value as a read answers it. The model's WithDecryption: "Return decrypted
// values for secure string parameters. This flag is ignored for String and StringList parameter
// types." Without it SSM answers a SecureString's KMS ciphertext (base64); the local store has no
// KMS, so it answers the value base64-encoded: not the plaintext, so that a reader that forgets
// WithDecryption gets no usable value here either.
func value(typ, v string, withDecryption bool) string {
	if typ != "SecureString" || withDecryption {
		return v
	}
	return base64.StdEncoding.EncodeToString([]byte(v))
}

// paramJSON is a Parameter as GetParameter(s) and GetParametersByPath answer it; selector is the
// ":version" it was read with, if any, and decrypt the request's WithDecryption.
func (s *Service) paramJSON(p Parameter, selector string, decrypt bool) map[string]any {
	out := map[string]any{
		"Name": p.Name, "Type": p.Type, "Value": value(p.Type, p.Value, decrypt), "Version": p.Version,
		"LastModifiedDate": epoch(p.LastModifiedDate), "ARN": s.arn(p.Name), "DataType": "text",
	}
	if selector != "" {
		out["Selector"] = ":" + selector
	}
	return out
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
		var in putInput
		if err = decode(body, &in); err == nil {
			in.by = gateway.CallerFrom(r.Context())
			var p Parameter
			p, err = s.put(in)
			out = map[string]any{"Version": p.Version, "Tier": "Standard"}
		}
	case "GetParameter":
		var in struct {
			Name           string
			WithDecryption bool
		}
		if err = decode(body, &in); err == nil {
			var p Parameter
			if p, err = s.get(in.Name); err == nil {
				out = map[string]any{"Parameter": s.paramJSON(p, ssmname.Parse(in.Name, ssmname.Selectable).Selector, in.WithDecryption)}
			}
		}
	case "GetParameters":
		out, err = s.getParameters(body)
	case "DeleteParameter":
		var in struct{ Name string }
		if err = decode(body, &in); err == nil {
			name := ssmname.Parse(in.Name, ssmname.Plain).Name
			switch {
			case name == "":
				err = constraint("name", nil, "not be null")
			case utf8.RuneCountInString(in.Name) > maxName: // the model's PSParameterName
				err = constraint("name", in.Name, fmt.Sprintf("have length less than or equal to %d", maxName))
			case s.Delete(name) != nil:
				err = notFound(name)
			}
			out = map[string]any{}
		}
	case "DeleteParameters":
		out, err = s.deleteParameters(body)
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
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = &apiError{Code: "InternalServerError", Message: "ssm " + op + ": " + err.Error(), Status: 500}
		}
		writeErr(w, ae)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

// decode reads a request body as SSM does: members by their exact names. A body that is not JSON,
// or a member of the wrong type ({"Name": 5}), is a SerializationException, as AWS's JSON
// protocols answer it (local/sfn and local/cloudwatch's JSON protocol answer it so too).
func decode(body []byte, v any) error {
	err := exactjson.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return &apiError{Code: "SerializationException", Status: 400,
			Message: fmt.Sprintf("member %s: a JSON %s where the model wants %s", te.Field, te.Value, te.Type)}
	}
	return &apiError{Code: "SerializationException", Status: 400, Message: "request body: " + err.Error()}
}

// checkNames checks a Names member (GetParameters, DeleteParameters): 1 to 10 names of at most
// 2048 characters (the model's ParameterNameList).
func checkNames(names []string) error {
	if len(names) == 0 {
		return constraint("names", "[]", "have length greater than or equal to 1")
	}
	if len(names) > 10 {
		return constraint("names", "["+strings.Join(names, ", ")+"]", "have length less than or equal to 10")
	}
	for _, n := range names {
		if n == "" || utf8.RuneCountInString(n) > maxName {
			return constraint("names", "["+strings.Join(names, ", ")+"]",
				"satisfy constraint: [Member must have length less than or equal to 2048, Member must have length greater than or equal to 1]")
		}
	}
	return nil
}

// getParameters answers GetParameters: the parameters found, sorted by name as the model's
// documentation says, and the names (as given) of those not found.
func (s *Service) getParameters(body []byte) (any, error) {
	var in struct {
		Names          []string
		WithDecryption bool
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkNames(in.Names); err != nil {
		return nil, err
	}
	type found struct {
		p        Parameter
		selector string
	}
	var got []found
	invalid := []string{}
	for _, n := range in.Names {
		p, err := s.get(n)
		var ae *apiError
		switch {
		case err == nil:
			got = append(got, found{p, ssmname.Parse(n, ssmname.Selectable).Selector})
		case errors.As(err, &ae) && ae.Code == "ValidationException":
			return nil, err
		default:
			invalid = append(invalid, n)
		}
	}
	sort.SliceStable(got, func(i, j int) bool { return got[i].p.Name < got[j].p.Name })
	params := make([]any, 0, len(got))
	for _, f := range got {
		params = append(params, s.paramJSON(f.p, f.selector, in.WithDecryption))
	}
	return map[string]any{"Parameters": params, "InvalidParameters": invalid}, nil
}

// deleteParameters answers DeleteParameters: the names deleted, and those not found.
func (s *Service) deleteParameters(body []byte) (any, error) {
	var in struct{ Names []string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkNames(in.Names); err != nil {
		return nil, err
	}
	deleted, invalid := []string{}, []string{}
	for _, n := range in.Names {
		if s.Delete(ssmname.Parse(n, ssmname.Plain).Name) == nil {
			deleted = append(deleted, n)
		} else {
			invalid = append(invalid, n)
		}
	}
	return map[string]any{"DeletedParameters": deleted, "InvalidParameters": invalid}, nil
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

func writeErr(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.Code, "message": e.Message})
}
