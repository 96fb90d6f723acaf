package iam

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/internal/jsondup"
)

// StatementRef names one statement of one policy document: where it came from in the template.
// A Decision names the statement that decided it with one, and WithoutStatement removes one.
type StatementRef struct {
	// Policy is the logical id of the template resource that holds the document (AWS::IAM::Policy,
	// AWS::IAM::Role, AWS::IAM::ManagedPolicy, AWS::SQS::QueuePolicy, AWS::SNS::TopicPolicy,
	// AWS::S3::BucketPolicy, AWS::Lambda::Permission, ...), or the ARN of an AWS managed policy.
	Policy string
	// Document is the property that holds the document: "PolicyDocument", "Policies[<i>]" (a role's
	// inline policy), "AssumeRolePolicyDocument" (a role's trust policy); "" for an AWS managed
	// policy and for the statement an AWS::Lambda::Permission stands for.
	Document string
	// Index is the statement's position in the document's Statement list.
	Index int
	// Sid is the statement's Sid, "" when it has none.
	Sid string
}

// String names the statement for a person: "<policy> statement <Sid>" or "<policy> statement #<i>",
// with the document when it is not the resource's only one.
func (s StatementRef) String() string {
	var b strings.Builder
	b.WriteString(s.Policy)
	if s.Document != "" && s.Document != "PolicyDocument" {
		b.WriteString(" " + s.Document)
	}
	if s.Sid != "" {
		b.WriteString(" statement " + s.Sid)
	} else {
		b.WriteString(" statement #" + strconv.Itoa(s.Index))
	}
	return b.String()
}

// policyKind tells identity-based policies from resource-based ones.
type policyKind int

const (
	identityPolicy policyKind = iota
	resourcePolicy
	// trustPolicy is a role's AssumeRolePolicyDocument: resource-based, for the role, but AWS
	// allows in it only the sts:AssumeRole* family (and session tags), no Resource, no NotPrincipal.
	trustPolicy
)

func (k policyKind) String() string {
	if k == identityPolicy {
		return "identity-based"
	}
	return "resource-based"
}

// trustActions are the actions AWS accepts in a role's trust policy (anything else is
// MalformedPolicyDocument there): a trust policy that allowed iam:PassRole acted as a resource
// policy for it here.
var trustActions = []string{"sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity",
	"sts:tagsession", "sts:setsourceidentity", "sts:setcontext", "sts:*"}

// withArticle is "an identity-based" or "a resource-based", as AWS's messages say.
func (k policyKind) withArticle() string {
	if k == identityPolicy {
		return "an identity-based"
	}
	return "a resource-based"
}

// statement is one parsed, validated statement.
type statement struct {
	ref   StatementRef
	kind  policyKind
	allow bool

	actions   []string // lower case patterns
	written   []string // the actions as written
	notAction bool

	resources   []string // nil with hasResource false: the resource the policy is attached to
	notResource bool

	principals   *principals // nil in identity policies
	notPrincipal bool

	conditions []condition
}

// principals is a Principal (or NotPrincipal) element.
type principals struct {
	all      bool     // "*" or {"AWS": "*"}
	aws      []string // role/user ARNs
	accounts []string // account ids ("123456789012" or arn:aws:iam::123456789012:root)
	services []string // service principals, lower case
	other    []string // Federated, CanonicalUser: no local principal is one
}

// BucketPolicyProblem is S3's MalformedPolicy message for bucket's policy doc when a statement
// names an action of another service, or a resource that is not the bucket or its objects, as S3
// refuses them ("Policy has invalid action", "Policy has invalid resource"); "" when none does,
// or when doc does not parse (Load refuses that with its own reason). Load takes such statements:
// they are well-formed, only never the bucket's.
func BucketPolicyProblem(bucket, doc string) string {
	stmts, err := parseDocument(doc, resourcePolicy, StatementRef{})
	if err != nil {
		return ""
	}
	arn := "arn:aws:s3:::" + bucket
	for _, st := range stmts {
		for _, a := range st.written {
			if a != "*" && !strings.HasPrefix(strings.ToLower(a), "s3:") {
				return "Policy has invalid action: " + a + " is not an S3 action"
			}
		}
		for _, res := range st.resources {
			if res != arn && !strings.HasPrefix(res, arn+"/") {
				return "Policy has invalid resource: " + res + " is neither the bucket " + bucket + " nor an object in it"
			}
		}
	}
	return ""
}

// parseDocument parses a policy document (a JSON object, or its text) of the given kind.
func parseDocument(doc any, kind policyKind, base StatementRef) ([]*statement, error) {
	if s, ok := doc.(string); ok {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return nil, fmt.Errorf("policy document is not JSON: %w", err)
		}
		if err := duplicateMember(s); err != nil {
			return nil, fmt.Errorf("policy document: %w", err)
		}
		doc = v
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("policy document: want an object, got %T", doc)
	}
	for k := range m {
		switch k {
		case "Version", "Id", "Statement":
		default:
			return nil, fmt.Errorf("policy document: unknown element %q", k)
		}
	}
	if v, ok := m["Version"]; ok {
		if s, _ := v.(string); s != "2012-10-17" && s != "2008-10-17" {
			return nil, fmt.Errorf("policy document: Version %v: want 2012-10-17", v)
		}
	}
	var raw []any
	switch st := m["Statement"].(type) {
	case []any:
		raw = st
	case map[string]any:
		raw = []any{st}
	case nil:
		return nil, fmt.Errorf("policy document: no Statement")
	default:
		return nil, fmt.Errorf("policy document: Statement: want a list, got %T", st)
	}
	out := make([]*statement, 0, len(raw))
	for i, r := range raw {
		sm, ok := r.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("Statement[%d]: want an object, got %T", i, r)
		}
		ref := base
		ref.Index = i
		ref.Sid, _ = sm["Sid"].(string)
		st, err := parseStatement(sm, kind, ref)
		if err != nil {
			return nil, fmt.Errorf("Statement[%d]%s: %w", i, sidSuffix(ref.Sid), err)
		}
		out = append(out, st)
	}
	return out, nil
}

// duplicateMember refuses a document (valid JSON text) with an object that has a member twice.
// AWS: "Individual elements must not contain multiple instances of the same key" (policy grammar);
// encoding/json keeps the last, so a Condition with two StringEquals blocks lost the first and its
// Allow held without it. (A document from a template arrives decoded: local/template reads it.)
func duplicateMember(text string) error {
	twice, err := jsondup.Find([]byte(text))
	if err != nil || len(twice) == 0 {
		return err
	}
	where := "the document"
	if twice[0].Path != "" {
		where = twice[0].Path
	}
	return fmt.Errorf("%s has %q more than once (AWS refuses an element with the same key twice)", where, twice[0].Key)
}

func sidSuffix(sid string) string {
	if sid == "" {
		return ""
	}
	return " (Sid " + sid + ")"
}

func parseStatement(m map[string]any, kind policyKind, ref StatementRef) (*statement, error) {
	st := &statement{ref: ref, kind: kind}
	for k := range m {
		switch k {
		case "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "Condition":
		default:
			return nil, fmt.Errorf("unknown element %q", k)
		}
	}
	switch m["Effect"] {
	case "Allow":
		st.allow = true
	case "Deny":
	default:
		return nil, fmt.Errorf("Effect %v: want Allow or Deny", m["Effect"])
	}

	a, hasA := m["Action"]
	na, hasNA := m["NotAction"]
	switch {
	case hasA && hasNA:
		return nil, fmt.Errorf("both Action and NotAction")
	case !hasA && !hasNA:
		return nil, fmt.Errorf("no Action or NotAction")
	case hasNA:
		a, st.notAction = na, true
	}
	actions, err := stringList(a)
	if err != nil {
		return nil, fmt.Errorf("Action: %w", err)
	}
	for _, x := range actions {
		if x != "*" && !strings.Contains(x, ":") {
			return nil, fmt.Errorf("Action %q: want <service>:<action>", x)
		}
		if kind == trustPolicy && (st.notAction || !slices.Contains(trustActions, strings.ToLower(x))) {
			return nil, fmt.Errorf("Action %q in a trust policy: AWS allows only sts:AssumeRole, sts:AssumeRoleWithSAML, sts:AssumeRoleWithWebIdentity, sts:TagSession, sts:SetSourceIdentity and sts:SetContext there (MalformedPolicyDocument)", x)
		}
		st.actions = append(st.actions, strings.ToLower(x))
		st.written = append(st.written, x)
	}

	r, hasR := m["Resource"]
	nr, hasNR := m["NotResource"]
	switch {
	case hasR && hasNR:
		return nil, fmt.Errorf("both Resource and NotResource")
	case kind == trustPolicy && (hasR || hasNR):
		return nil, fmt.Errorf("Resource in a trust policy (AWS rejects it: MalformedPolicyDocument; the resource is the role)")
	case kind == trustPolicy:
	case !hasR && !hasNR:
		// A bucket, topic or queue policy too: S3 answers "Statement is missing required element",
		// SNS wants one Resource. Without one, a statement here covered the bucket and every object.
		return nil, fmt.Errorf("no Resource or NotResource (%s policy needs one)", kind.withArticle())
	default:
		if hasNR {
			r, st.notResource = nr, true
		}
		if st.resources, err = stringList(r); err != nil {
			return nil, fmt.Errorf("Resource: %w", err)
		}
		for _, x := range st.resources {
			if strings.Contains(x, "${") {
				return nil, fmt.Errorf("Resource %q: policy variables are not supported by the local IAM", x)
			}
			// AWS: "You can't use a wildcard in the service segment that identifies the AWS
			// product" (IAM refuses it); matched like any segment, arn:aws:s*:::b/* granted S3.
			if parts := strings.SplitN(x, ":", 4); len(parts) >= 3 && parts[0] == "arn" && strings.ContainsAny(parts[2], "*?") {
				return nil, fmt.Errorf("Resource %q: AWS allows no wildcard in an ARN's service (%q)", x, parts[2])
			}
		}
	}

	p, hasP := m["Principal"]
	np, hasNP := m["NotPrincipal"]
	switch {
	case kind == identityPolicy && (hasP || hasNP):
		return nil, fmt.Errorf("Principal in an identity-based policy (AWS rejects it: MalformedPolicyDocument)")
	case hasNP && kind == trustPolicy:
		return nil, fmt.Errorf("NotPrincipal in a trust policy (AWS rejects it: name who may assume the role)")
	case hasNP && st.allow:
		return nil, fmt.Errorf("NotPrincipal with Effect Allow (AWS allows NotPrincipal with Deny only: an Allow to everyone but one principal)")
	case kind != identityPolicy && hasP && hasNP:
		return nil, fmt.Errorf("both Principal and NotPrincipal")
	case kind != identityPolicy && !hasP && !hasNP:
		return nil, fmt.Errorf("no Principal (a resource-based policy needs one)")
	case hasP || hasNP:
		if hasNP {
			p, st.notPrincipal = np, true
		}
		if st.principals, err = parsePrincipals(p); err != nil {
			return nil, err
		}
	}

	if c, ok := m["Condition"]; ok {
		if st.conditions, err = parseConditions(c); err != nil {
			return nil, fmt.Errorf("Condition: %w", err)
		}
	}
	return st, nil
}

func parsePrincipals(v any) (*principals, error) {
	p := &principals{}
	if s, ok := v.(string); ok {
		if s != "*" {
			return nil, fmt.Errorf("Principal %q: want \"*\" or an object", s)
		}
		p.all = true
		return p, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("Principal: want \"*\" or an object, got %T", v)
	}
	for typ, val := range m {
		list, err := stringList(val)
		if err != nil {
			return nil, fmt.Errorf("Principal.%s: %w", typ, err)
		}
		// AWS: "You cannot use a wildcard to match part of a principal name or ARN", and * only
		// means everyone (policy grammar). Compared as a plain string, role/* named no one: a Deny
		// for it loaded here and denied nothing, where AWS refuses the policy.
		for _, x := range list {
			if strings.ContainsAny(x, "*?") && (typ != "AWS" || x != "*") {
				return nil, fmt.Errorf("Principal.%s %q: AWS allows no wildcard in a principal (\"*\" alone, or {\"AWS\": \"*\"}, is everyone); name each principal, or match ARNs with a condition on aws:PrincipalArn", typ, x)
			}
		}
		switch typ {
		case "AWS":
			for _, x := range list {
				switch {
				case x == "*":
					p.all = true
				case isAccountID(x):
					p.accounts = append(p.accounts, x)
				case strings.HasPrefix(x, "arn:") && strings.HasSuffix(x, ":root"):
					p.accounts = append(p.accounts, accountOf(x))
				case strings.HasPrefix(x, "arn:"):
					p.aws = append(p.aws, x)
				default:
					return nil, fmt.Errorf("Principal.AWS %q: want an ARN, an account id or \"*\"", x)
				}
			}
		case "Service":
			for _, x := range list {
				p.services = append(p.services, strings.ToLower(x))
			}
		case "Federated", "CanonicalUser":
			p.other = append(p.other, list...)
		default:
			return nil, fmt.Errorf("Principal: unknown principal type %q (want AWS, Service, Federated or CanonicalUser)", typ)
		}
	}
	return p, nil
}

// stringList reads a string or a list of strings (numbers and booleans as CloudFormation renders
// them).
func stringList(v any) ([]string, error) {
	switch x := v.(type) {
	case []any:
		if len(x) == 0 {
			return nil, fmt.Errorf("empty list")
		}
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, err := scalarString(e)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	case []string:
		if len(x) == 0 {
			return nil, fmt.Errorf("empty list")
		}
		return append([]string(nil), x...), nil
	}
	s, err := scalarString(v)
	if err != nil {
		return nil, err
	}
	return []string{s}, nil
}

func scalarString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case json.Number:
		return x.String(), nil
	}
	return "", fmt.Errorf("want a string, got %T (%v): is an intrinsic function left unresolved?", v, v)
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// accountOf returns the account field of an ARN ("" when it has none).
func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}

// matchAction reports whether the statement's Action/NotAction element covers action.
func (st *statement) matchAction(action string) bool {
	a := strings.ToLower(action)
	hit := false
	for _, p := range st.actions {
		if glob(p, a) {
			hit = true
			break
		}
	}
	return hit != st.notAction
}

// covers reports whether a policy attached to attached speaks for resource: a bucket's policy for
// the bucket and its objects (<bucket ARN>/<key>), any other for its own resource only (the trust
// policy of role/app covered role/app/x, another role, when every policy covered what is under it).
func covers(attached, resource string) bool {
	return resource == attached || strings.HasPrefix(attached, "arn:aws:s3:::") && strings.HasPrefix(resource, attached+"/")
}

// matchResource reports whether the statement's Resource/NotResource element covers resource.
// attached is the resource a resource-based policy is attached to (a trust policy's statements have
// no Resource: the role).
func (st *statement) matchResource(resource, attached string) bool {
	if st.resources == nil {
		return covers(attached, resource)
	}
	hit := false
	for _, p := range st.resources {
		if matchARN(p, resource) {
			hit = true
			break
		}
	}
	return hit != st.notResource
}

// matchPrincipal reports whether a resource-based statement names principal (see Request.Principal).
func (st *statement) matchPrincipal(pr principal) bool {
	if st.principals == nil {
		return false
	}
	if st.notPrincipal {
		return !st.principals.exempts(pr)
	}
	return st.principals.match(pr, st.allow)
}

// exempts reports whether a NotPrincipal element (Deny only) spares pr: as AWS evaluates it, every
// level of pr must be listed, the account, the role and the role session, so that a Deny naming
// only role/app in NotPrincipal still denies app's sessions (AWS's guide: list the account's ARN
// and the session's as well, or "you might deny access to all users in the account").
func (p *principals) exempts(pr principal) bool {
	if p.all {
		return true
	}
	if pr.service != "" {
		return slices.Contains(p.services, pr.service)
	}
	if !slices.Contains(p.accounts, pr.account) {
		return false
	}
	if pr.root {
		return true
	}
	if !slices.Contains(p.aws, pr.arn) {
		return false
	}
	return pr.roleArn == "" || pr.roleArn == pr.arn || slices.Contains(p.aws, pr.roleArn)
}

// match reports whether the element names pr. An account principal delegates to the account's
// identity policies: in a Deny it names every principal of the account, in an Allow (granting)
// only the account itself.
func (p *principals) match(pr principal, granting bool) bool {
	if p.all {
		return true
	}
	if pr.service != "" {
		for _, s := range p.services {
			if s == pr.service {
				return true
			}
		}
		return false
	}
	for _, a := range p.aws {
		if a == pr.arn || (pr.roleArn != "" && a == pr.roleArn) {
			return true
		}
	}
	if !granting || pr.root {
		for _, acct := range p.accounts {
			if acct == pr.account {
				return true
			}
		}
	}
	return false
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
