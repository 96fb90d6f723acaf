package faultconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/suggest"
)

// Mode is a kind of fault.
type Mode string

// The fault modes. The first five are failure-lambda's (0.x and 1.0); timeout and corruption are
// failure-lambda 1.0's and exist only in its format (flags.go); sdkerror is ours.
const (
	ModeLatency    Mode = "latency"    // delay the invocation, or (with targets) each matching SDK call
	ModeException  Mode = "exception"  // fail the invocation with exceptionMsg before the handler runs
	ModeStatusCode Mode = "statuscode" // answer statusCode without running the handler
	ModeDiskSpace  Mode = "diskspace"  // fill os.TempDir() with diskSpace MB
	ModeDenylist   Mode = "denylist"   // SDK calls to matching hosts fail as connection errors
	ModeSDKError   Mode = "sdkerror"   // matching SDK calls get a service-shaped error
	ModeTimeout    Mode = "timeout"    // wait until the deadline minus a buffer, then run the handler (1.0)
	ModeCorruption Mode = "corruption" // after the handler: replace or mangle its response (1.0)
)

// Format is the generation of failure-lambda's config format a Config was written in. Parse tells
// them apart by shape: isEnabled, failureMode or faults at the top level make a 0.x config,
// anything else is read as 1.0.
type Format string

const (
	// FormatFlat is failure-lambda 0.x's flat config (isEnabled, failureMode, rate, ...) with our
	// extensions (faults, targets, error, scope).
	FormatFlat Format = "0.x"
	// FormatFlags is failure-lambda 1.0's: one flag object per mode ({"latency": {"enabled": ...}}).
	FormatFlags Format = "1.0"
)

// modeAliases maps every accepted spelling to its mode. "blacklist" is the seed lab's spelling
// (failure-lambda ≥ 0.3 renamed it and silently ignores the old name; we accept both).
var modeAliases = map[string]Mode{
	"latency":    ModeLatency,
	"exception":  ModeException,
	"statuscode": ModeStatusCode,
	"diskspace":  ModeDiskSpace,
	"denylist":   ModeDenylist,
	"blacklist":  ModeDenylist,
	"sdkerror":   ModeSDKError,
}

// SDKError is the kind of error an sdkerror fault returns to the SDK.
type SDKError string

// The sdkerror kinds. Each is shaped as the real service would answer, so the SDK's retryer
// classifies it exactly as it would a real outage.
const (
	// SDKErrorThrottling: HTTP 400 ThrottlingException (Throttling for awsQuery services);
	// DynamoDB: ProvisionedThroughputExceededException; S3: 503 SlowDown.
	SDKErrorThrottling SDKError = "throttling"
	// SDKErrorInternal: HTTP 500 (DynamoDB InternalServerError, S3 InternalError, else InternalFailure).
	SDKErrorInternal SDKError = "internal"
	// SDKErrorUnavailable: HTTP 503 ServiceUnavailable.
	SDKErrorUnavailable SDKError = "unavailable"
	// SDKErrorConnectionReset: the transport fails with ECONNRESET, as when a peer resets the connection.
	SDKErrorConnectionReset SDKError = "connection-reset"
	// SDKErrorTimeout: the transport waits minLatency..maxLatency (default 0) and fails with a
	// timeout error, as an HTTP client timeout would.
	SDKErrorTimeout SDKError = "timeout"
)

// Scope says how often the dice are rolled for an SDK-level fault (denylist, sdkerror, latency
// with targets).
type Scope string

const (
	// ScopeCall: every matching SDK call (every attempt of the SDK's retryer) rolls its own dice.
	// What throttling and 5xx experiments want: the retries face the same odds, independently.
	// The default of the entries of faults.
	ScopeCall Scope = "call"
	// ScopeInvocation: failure.Wrap rolls the dice once when the invocation starts; when they hit, every
	// matching SDK call of that invocation (retries included) is faulted, when they miss none is.
	// This is failure-lambda's semantics (one Math.random() per invocation; a denylist hit blocks
	// every matching connection of the invocation) and the scope of the top-level fault: a
	// dependency that is down for the whole invocation, which the SDK's retries cannot rescue.
	// A call made outside any wrapped invocation (no decision in its context) rolls per call.
	ScopeInvocation Scope = "invocation"
)

var sdkErrors = []SDKError{SDKErrorThrottling, SDKErrorInternal, SDKErrorUnavailable, SDKErrorConnectionReset, SDKErrorTimeout}

// Limits on config values. They bound what a typo in the parameter can do to a sandbox.
const (
	// MaxLatency bounds minLatency/maxLatency: 900 000 ms is Lambda's maximum timeout (15 min).
	MaxLatency = 15 * time.Minute
	// MaxDiskSpaceMB bounds diskSpace: 10 240 MB is Lambda's maximum ephemeral storage.
	MaxDiskSpaceMB = 10240
)

// Config is a parsed, validated failure config (the SSM parameter's value).
type Config struct {
	// Format is the generation of the format the config was written in.
	Format Format
	// Enabled is the parameter's isEnabled (0.x), or whether some flag is enabled (1.0). When
	// false no fault fires.
	Enabled bool
	// ExpiresAt, when not zero, turns every fault off from that instant on (expiresAt).
	ExpiresAt time.Time
	// ExpiresAfter, when not zero, turns every fault off that long after the parameter was last
	// modified (expiresAfterSeconds, measured from GetParameter's LastModifiedDate).
	ExpiresAfter time.Duration
	// Faults are the faults active together. 0.x: the top-level failure-lambda fault first (if
	// failureMode is set), then the entries of faults in order. 1.0: the enabled flags, in
	// failure-lambda 1.0's injection order (FlagOrder); disabled flags are validated, not kept.
	Faults []Fault
}

// Fault is one fault of a Config.
type Fault struct {
	Mode Mode
	// Rate is the probability (0..1) that the fault fires for one invocation or SDK call (rate;
	// 1.0's percentage / 100). Default 1.
	Rate float64
	// Scope is how often SDK-level faults roll the dice: ScopeInvocation for the top-level
	// (failure-lambda) fault, ScopeCall by default for the entries of faults ("scope" there).
	// Invocation-level faults (exception, statuscode, diskspace, latency without targets) always
	// roll once per invocation and carry ScopeInvocation.
	Scope Scope
	// MinLatency..MaxLatency is the uniform range of delays of latency faults (and of the wait of
	// sdkerror "timeout").
	MinLatency, MaxLatency time.Duration
	// ExceptionMsg is the error message of exception faults. Default "injected exception" (0.x),
	// "Injected exception" (1.0's default).
	ExceptionMsg string
	// StatusCode is the status code of statuscode faults (100..599). 1.0's default: 500.
	StatusCode int
	// DiskSpaceMB is how much of os.TempDir() a diskspace fault fills (1..MaxDiskSpaceMB). 1.0's
	// default: 100.
	DiskSpaceMB int
	// Denylist holds the host patterns of denylist faults (unanchored, like failure-lambda's
	// JavaScript RegExp.test).
	Denylist []*regexp.Regexp
	// Targets restrict SDK-level faults to matching calls; empty means every call (sdkerror,
	// denylist) or the invocation (latency).
	Targets []Target
	// Error is the error kind of sdkerror faults.
	Error SDKError
	// TimeoutBuffer is what a timeout fault leaves of the invocation: it waits until the deadline
	// minus TimeoutBuffer, then the handler runs (1.0's timeout_buffer_ms). Default 0.
	TimeoutBuffer time.Duration
	// Body is what a corruption fault puts in place of the response body when ReplaceBody is set
	// (1.0's body); without it the body is mangled.
	Body        string
	ReplaceBody bool
	// Match gates the fault on the invocation's event (1.0's match): it may fire only when every
	// condition holds (see Event). Empty: every invocation.
	Match []Condition
}

// Target selects SDK calls by service (the SigV4 signing name, e.g. "dynamodb", "s3") and
// operation (e.g. "UpdateItem"). Both are path.Match patterns; "*" matches anything.
type Target struct {
	Service, Operation string
}

// String returns the target as written in the config: service:Operation.
func (t Target) String() string { return t.Service + ":" + t.Operation }

// Matches reports whether the call service/operation is selected. The service compares
// case-insensitively (signing names are lower case), the operation exactly.
func (t Target) Matches(service, operation string) bool {
	ok, _ := path.Match(t.Service, strings.ToLower(service))
	if !ok {
		return false
	}
	ok, _ = path.Match(t.Operation, operation)
	return ok
}

// SDKLevel reports whether the fault acts on SDK calls (in the HTTP client: denylist, sdkerror,
// latency with targets) rather than on the invocation (in failure.Wrap).
func (f *Fault) SDKLevel() bool {
	switch f.Mode {
	case ModeDenylist, ModeSDKError:
		return true
	case ModeLatency:
		return len(f.Targets) > 0
	}
	return false
}

// ExpiresAtFor returns the instant after which c is off, given the parameter's last
// modification time (zero time: unknown, then ExpiresAfter counts from fetched). Zero: never.
func (c *Config) ExpiresAtFor(lastModified, fetched time.Time) time.Time {
	exp := c.ExpiresAt
	if c.ExpiresAfter > 0 {
		base := lastModified
		if base.IsZero() {
			base = fetched
		}
		if rel := base.Add(c.ExpiresAfter); exp.IsZero() || rel.Before(exp) {
			exp = rel
		}
	}
	return exp
}

// Parse parses and validates a failure config (docs/contracts.md §3), in either of failure-lambda's
// formats, told apart by shape: isEnabled, failureMode or faults at the top level make a 0.x
// config (FormatFlat), anything else a 1.0 config (FormatFlags, flags.go). It is strict: unknown
// fields, unknown modes, values of the wrong type or out of range are errors naming the JSON path
// (e.g. `faults[1].rate`, `latency.percentage`). Top-level 0.x fields that the chosen failureMode
// does not use are accepted, as failure-lambda's own sample config carries all of them; inside
// `faults`, and inside a 1.0 flag, a field the mode does not use is an error.
//
// A value with several problems gets them all in one error (Problems), so that a user fixes them
// in one go: every unknown field, each of the two expiry fields, the first problem of each 0.x
// fault (failureMode and every entry of faults: within one the parser stops at the first, since
// the next would often follow from it, an unknown mode making every field "not used by" it), and
// each attribute's problem of each 1.0 flag (its attributes are independent).
func Parse(b []byte) (Config, error) {
	top, err := object(b, "")
	if err != nil {
		return Config{}, err
	}
	p := &parser{}
	var c Config
	if isFlat(top) {
		c = p.flat(top)
	} else {
		c = p.flags(top)
	}
	if len(p.problems) > 0 {
		return c, p.problems
	}
	return c, nil
}

// Problems are every problem Parse found in a value, each an error naming its field or JSON path:
// the unknown fields first (in sorted order), then isEnabled, the expiry, failureMode and the entries
// of faults (0.x), or the flags in FlagOrder (1.0).
type Problems []error

// Error is the one problem, or "N problems:" and each on a line of its own.
func (ps Problems) Error() string {
	if len(ps) == 1 {
		return ps[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems:", len(ps))
	for _, e := range ps {
		b.WriteString("\n  ")
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap gives errors.Is and errors.As each problem.
func (ps Problems) Unwrap() []error { return ps }

// flatKeys are the top-level fields that only a 0.x config has; one of them makes a config 0.x.
var flatKeys = []string{"isEnabled", "failureMode", "faults"}

func isFlat(top map[string]json.RawMessage) bool {
	for _, k := range flatKeys {
		if _, ok := top[k]; ok {
			return true
		}
	}
	return false
}

// expiry reads our expiresAt and expiresAfterSeconds, accepted in both formats; a problem of
// each is added.
func (p *parser) expiry(top map[string]json.RawMessage, c *Config) {
	if raw, ok := top["expiresAt"]; ok {
		p.add(p.expiresAt(raw, c))
	}
	if raw, ok := top["expiresAfterSeconds"]; ok {
		p.add(p.expiresAfter(raw, c))
	}
}

func (p *parser) expiresAt(raw json.RawMessage, c *Config) error {
	s, err := p.str(raw, "expiresAt")
	if err != nil {
		return err
	}
	if c.ExpiresAt, err = time.Parse(time.RFC3339, s); err != nil {
		return fmt.Errorf("expiresAt: want an RFC 3339 time such as 2026-11-23T14:00:00Z, got %q", s)
	}
	return nil
}

func (p *parser) expiresAfter(raw json.RawMessage, c *Config) error {
	n, err := p.number(raw, "expiresAfterSeconds")
	if err != nil {
		return err
	}
	if n <= 0 || n > 366*24*3600 {
		return fmt.Errorf("expiresAfterSeconds: want 0 < seconds ≤ 31622400 (366 days), got %v", n)
	}
	c.ExpiresAfter = time.Duration(n * float64(time.Second))
	return nil
}

// flat parses a 0.x config.
func (p *parser) flat(top map[string]json.RawMessage) Config {
	c := Config{Format: FormatFlat}
	keys := slices.Sorted(maps.Keys(top))
	for _, k := range keys {
		switch {
		case slices.Contains(topFields, k):
		case slices.Contains(FlagOrder, Mode(k)):
			p.add(fmt.Errorf("unknown field %q: a failure-lambda 1.0 flag, but this config is 0.x (it has %s); write one format or the other", k, presentFlatKeys(top)))
		default:
			p.add(fmt.Errorf("unknown field %q%s (known: %s)", k, suggest.Hint(k, topFields), strings.Join(topFields, ", ")))
		}
	}
	if raw, ok := top["isEnabled"]; !ok {
		// A misspelt isEnabled ({"IsEnabled": true}) is its unknown field's problem, said with its
		// "did you mean"; that it is missing follows from it.
		if !slices.ContainsFunc(keys, func(k string) bool { return suggest.Nearest(k, []string{"isEnabled"}) != "" }) {
			p.add(errors.New("isEnabled: required"))
		}
	} else {
		var err error
		c.Enabled, err = p.boolean(raw, "isEnabled")
		p.add(err)
	}
	p.expiry(top, &c)
	if raw, ok := top["failureMode"]; ok {
		f, err := p.fault(top, raw, "", "failureMode", true)
		if p.add(err) {
			c.Faults = append(c.Faults, f)
		}
	} else {
		// Without failureMode the failure-lambda fields configure nothing; still type-check them
		// so a typo in a value is not silently ignored.
		for _, k := range faultFields {
			if raw, ok := top[k]; ok && k != "mode" {
				p.add(p.checkType(k, raw, k))
			}
		}
	}
	if raw, ok := top["faults"]; ok {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil || list == nil {
			p.add(fmt.Errorf("faults: want a list of fault objects, got %s", snippet(raw)))
		}
		for n, item := range list {
			if f, ok := p.listedFault(item, fmt.Sprintf("faults[%d]", n)); ok {
				c.Faults = append(c.Faults, f)
			}
		}
	}
	// Said only of a value without other problems: a misspelt failureMode, or a fault with a
	// problem, is the reason there is none, and is named.
	if c.Enabled && len(c.Faults) == 0 && len(p.problems) == 0 {
		p.add(errors.New("isEnabled is true but neither failureMode nor faults is set"))
	}
	return c
}

// listedFault reads the entry at of 0.x's faults, adding its problems: every unknown field (then
// nothing else, since a misspelt mode would read as missing), or its first other problem.
func (p *parser) listedFault(item json.RawMessage, at string) (Fault, bool) {
	m, err := object(item, at)
	if !p.add(err) {
		return Fault{}, false
	}
	ok := true
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(faultFields, k) {
			ok = p.add(fmt.Errorf("%s: unknown field %q%s (known: %s)", at, k, suggest.Hint(k, faultFields), strings.Join(faultFields, ", ")))
		}
	}
	if !ok {
		return Fault{}, false
	}
	modeRaw, ok := m["mode"]
	if !ok {
		return Fault{}, p.add(fmt.Errorf("%s.mode: required", at))
	}
	f, err := p.fault(m, modeRaw, at, "mode", false)
	return f, p.add(err)
}

// presentFlatKeys names the 0.x-only fields of top that made it a 0.x config.
func presentFlatKeys(top map[string]json.RawMessage) string {
	var have []string
	for _, k := range flatKeys {
		if _, ok := top[k]; ok {
			have = append(have, k)
		}
	}
	return strings.Join(have, ", ")
}

var (
	topFields = []string{"isEnabled", "failureMode", "rate", "minLatency", "maxLatency", "exceptionMsg",
		"statusCode", "diskSpace", "denylist", "blacklist", "targets", "error", "expiresAt", "expiresAfterSeconds", "faults"}
	faultFields = []string{"mode", "rate", "minLatency", "maxLatency", "exceptionMsg", "statusCode",
		"diskSpace", "denylist", "blacklist", "targets", "error", "scope"}
	// fieldModes lists the modes that use each fault field (rate and mode: all).
	fieldModes = map[string][]Mode{
		"minLatency":   {ModeLatency, ModeSDKError},
		"maxLatency":   {ModeLatency, ModeSDKError},
		"exceptionMsg": {ModeException},
		"statusCode":   {ModeStatusCode},
		"diskSpace":    {ModeDiskSpace},
		"denylist":     {ModeDenylist},
		"blacklist":    {ModeDenylist},
		"targets":      {ModeLatency, ModeDenylist, ModeSDKError},
		"error":        {ModeSDKError},
		"scope":        {ModeLatency, ModeDenylist, ModeSDKError},
	}
)

// parser holds the problems found so far in one value.
type parser struct {
	problems Problems
}

// add adds err to the problems unless it is nil, and reports whether it was nil.
func (p *parser) add(err error) bool {
	if err == nil {
		return true
	}
	p.problems = append(p.problems, err)
	return false
}

// fault reads one fault from m (the top-level object when top is true, then the mode key is
// failureMode and fields the mode does not use are tolerated).
func (p *parser) fault(m map[string]json.RawMessage, modeRaw json.RawMessage, at, modeKey string, top bool) (Fault, error) {
	f := Fault{Rate: 1}
	name, err := p.str(modeRaw, join(at, modeKey))
	if err != nil {
		return f, err
	}
	mode, ok := modeAliases[name]
	if !ok {
		if m := Mode(name); m == ModeTimeout || m == ModeCorruption {
			return f, fmt.Errorf("%s: mode %q exists only in failure-lambda 1.0's format, e.g. {%q: {\"enabled\": true}} (without isEnabled, failureMode or faults)", join(at, modeKey), name, name)
		}
		return f, fmt.Errorf("%s: unknown mode %q (known: latency, exception, statuscode, diskspace, denylist or blacklist, sdkerror)", join(at, modeKey), name)
	}
	f.Mode = mode
	for _, k := range faultFields {
		modes, ok := fieldModes[k]
		if !ok {
			continue
		}
		raw, ok := m[k]
		if !ok {
			continue
		}
		if !slices.Contains(modes, mode) {
			if top {
				if err := p.checkType(k, raw, k); err != nil {
					return f, err
				}
				continue
			}
			return f, fmt.Errorf("%s: not used by mode %q", join(at, k), mode)
		}
	}
	if raw, ok := m["rate"]; ok {
		if f.Rate, err = p.number(raw, join(at, "rate")); err != nil {
			return f, err
		}
		if !(f.Rate >= 0 && f.Rate <= 1) {
			return f, fmt.Errorf("%s: want 0 ≤ rate ≤ 1, got %v", join(at, "rate"), f.Rate)
		}
	}
	if slices.Contains(fieldModes["minLatency"], mode) {
		if f.MinLatency, err = p.latency(m, "minLatency", at); err != nil {
			return f, err
		}
		if f.MaxLatency, err = p.latency(m, "maxLatency", at); err != nil {
			return f, err
		}
		_, hasMax := m["maxLatency"]
		if !hasMax {
			f.MaxLatency = f.MinLatency
		}
		if f.MinLatency > f.MaxLatency {
			return f, fmt.Errorf("%s: minLatency %d ms > maxLatency %d ms", orTop(at), f.MinLatency.Milliseconds(), f.MaxLatency.Milliseconds())
		}
	}
	switch mode {
	case ModeException:
		f.ExceptionMsg = "injected exception"
		if raw, ok := m["exceptionMsg"]; ok {
			if f.ExceptionMsg, err = p.str(raw, join(at, "exceptionMsg")); err != nil {
				return f, err
			}
		}
	case ModeStatusCode:
		raw, ok := m["statusCode"]
		if !ok {
			return f, fmt.Errorf("%s: required by mode statuscode", join(at, "statusCode"))
		}
		if f.StatusCode, err = p.integer(raw, join(at, "statusCode")); err != nil {
			return f, err
		}
		if f.StatusCode < 100 || f.StatusCode > 599 {
			return f, fmt.Errorf("%s: want an HTTP status 100..599, got %d", join(at, "statusCode"), f.StatusCode)
		}
	case ModeDiskSpace:
		raw, ok := m["diskSpace"]
		if !ok {
			return f, fmt.Errorf("%s: required by mode diskspace", join(at, "diskSpace"))
		}
		if f.DiskSpaceMB, err = p.integer(raw, join(at, "diskSpace")); err != nil {
			return f, err
		}
		if f.DiskSpaceMB < 1 || f.DiskSpaceMB > MaxDiskSpaceMB {
			return f, fmt.Errorf("%s: want 1..%d MB, got %d", join(at, "diskSpace"), MaxDiskSpaceMB, f.DiskSpaceMB)
		}
	case ModeDenylist:
		d, hasD := m["denylist"]
		b, hasB := m["blacklist"]
		key, raw := "denylist", d
		switch {
		case hasD && hasB:
			return f, fmt.Errorf("%s: both denylist and blacklist are set; blacklist is an alias, use one", orTop(at))
		case hasB:
			key, raw = "blacklist", b
		case !hasD:
			return f, fmt.Errorf("%s: required by mode denylist (or its alias blacklist)", join(at, "denylist"))
		}
		if f.Denylist, err = p.regexps(raw, join(at, key)); err != nil {
			return f, err
		}
	case ModeSDKError:
		raw, ok := m["error"]
		if !ok {
			return f, fmt.Errorf("%s: required by mode sdkerror (one of %s)", join(at, "error"), sdkErrorList())
		}
		s, err := p.str(raw, join(at, "error"))
		if err != nil {
			return f, err
		}
		f.Error = SDKError(s)
		if !slices.Contains(sdkErrors, f.Error) {
			return f, fmt.Errorf("%s: unknown error %q (known: %s)", join(at, "error"), s, sdkErrorList())
		}
	}
	if raw, ok := m["targets"]; ok && slices.Contains(fieldModes["targets"], mode) {
		if f.Targets, err = p.targets(raw, join(at, "targets")); err != nil {
			return f, err
		}
	}
	// The top-level fault is failure-lambda's: decided once per invocation. Entries of faults
	// default to per-call dice. "scope" is not a top-level field (topFields), so top never reads it.
	f.Scope = ScopeCall
	if top || !f.SDKLevel() {
		f.Scope = ScopeInvocation
	}
	if raw, ok := m["scope"]; ok && !top {
		s, err := p.str(raw, join(at, "scope"))
		if err != nil {
			return f, err
		}
		switch Scope(s) {
		case ScopeCall:
			if !f.SDKLevel() {
				return f, fmt.Errorf("%s: \"call\" needs targets (a latency fault without targets delays the invocation, once)", join(at, "scope"))
			}
			f.Scope = ScopeCall
		case ScopeInvocation:
			f.Scope = ScopeInvocation
		default:
			return f, fmt.Errorf("%s: unknown scope %q (known: call, invocation)", join(at, "scope"), s)
		}
	}
	return f, nil
}

// checkType type-checks a top-level field the chosen mode does not use.
func (p *parser) checkType(k string, raw json.RawMessage, at string) error {
	var err error
	switch k {
	case "rate", "minLatency", "maxLatency":
		_, err = p.number(raw, at)
	case "statusCode", "diskSpace":
		_, err = p.integer(raw, at)
	case "exceptionMsg":
		_, err = p.str(raw, at)
	case "denylist", "blacklist":
		_, err = p.regexps(raw, at)
	case "targets":
		_, err = p.targets(raw, at)
	case "error":
		_, err = p.str(raw, at)
	}
	return err
}

func (p *parser) latency(m map[string]json.RawMessage, k, at string) (time.Duration, error) {
	raw, ok := m[k]
	if !ok {
		return 0, nil
	}
	ms, err := p.number(raw, join(at, k))
	if err != nil {
		return 0, err
	}
	if ms < 0 || ms > float64(MaxLatency.Milliseconds()) {
		return 0, fmt.Errorf("%s: want 0..%d ms, got %v", join(at, k), MaxLatency.Milliseconds(), ms)
	}
	return time.Duration(ms * float64(time.Millisecond)), nil
}

func (p *parser) regexps(raw json.RawMessage, at string) ([]*regexp.Regexp, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil || list == nil {
		return nil, fmt.Errorf("%s: want a list of host regexes, got %s", at, snippet(raw))
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("%s: empty; list at least one host regex", at)
	}
	out := make([]*regexp.Regexp, 0, len(list))
	for n, item := range list {
		s, err := p.str(item, fmt.Sprintf("%s[%d]", at, n))
		if err != nil {
			return nil, err
		}
		re, err := regexp.Compile(s)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: bad regex %q (RE2 syntax: no lookaround, no backreferences): %v", at, n, s, err)
		}
		out = append(out, re)
	}
	return out, nil
}

func (p *parser) targets(raw json.RawMessage, at string) ([]Target, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil || list == nil {
		return nil, fmt.Errorf("%s: want a list of \"service:Operation\" strings, got %s", at, snippet(raw))
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("%s: empty; omit it to target every call, or list \"service:Operation\" entries", at)
	}
	out := make([]Target, 0, len(list))
	for n, item := range list {
		here := fmt.Sprintf("%s[%d]", at, n)
		s, err := p.str(item, here)
		if err != nil {
			return nil, err
		}
		svc, op, ok := strings.Cut(s, ":")
		if !ok || svc == "" || op == "" || strings.Contains(op, ":") {
			return nil, fmt.Errorf("%s: want \"service:Operation\" such as \"dynamodb:UpdateItem\", \"s3:*\" or \"*:*\", got %q", here, s)
		}
		t := Target{Service: strings.ToLower(svc), Operation: op}
		for _, pat := range []string{t.Service, t.Operation} {
			if _, err := path.Match(pat, ""); err != nil {
				return nil, fmt.Errorf("%s: bad pattern %q: %v", here, s, err)
			}
		}
		out = append(out, t)
	}
	return out, nil
}

func (p *parser) boolean(raw json.RawMessage, at string) (bool, error) {
	switch string(bytes.TrimSpace(raw)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%s: want true or false, got %s", at, snippet(raw))
}

func (p *parser) str(raw json.RawMessage, at string) (string, error) {
	var s string
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '"' || json.Unmarshal(t, &s) != nil {
		return "", fmt.Errorf("%s: want a string, got %s", at, snippet(raw))
	}
	return s, nil
}

func (p *parser) number(raw json.RawMessage, at string) (float64, error) {
	var n float64
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || !(t[0] == '-' || (t[0] >= '0' && t[0] <= '9')) || json.Unmarshal(t, &n) != nil || math.IsInf(n, 0) {
		return 0, fmt.Errorf("%s: want a number, got %s", at, snippet(raw))
	}
	return n, nil
}

func (p *parser) integer(raw json.RawMessage, at string) (int, error) {
	n, err := p.number(raw, at)
	if err != nil {
		return 0, err
	}
	if n != math.Trunc(n) || math.Abs(n) > 1<<31 {
		return 0, fmt.Errorf("%s: want a whole number, got %s", at, snippet(raw))
	}
	return int(n), nil
}

// object decodes b as a JSON object (and nothing else).
func object(b []byte, at string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	t := bytes.TrimSpace(b)
	if len(t) == 0 || t[0] != '{' {
		return nil, fmt.Errorf("%s: want a JSON object, got %s", orTop(at), snippet(b))
	}
	if err := json.Unmarshal(t, &m); err != nil {
		return nil, fmt.Errorf("%s: invalid JSON: %v", orTop(at), err)
	}
	return m, nil
}

func join(at, k string) string {
	if at == "" {
		return k
	}
	return at + "." + k
}

func orTop(at string) string {
	if at == "" {
		return "config"
	}
	return at
}

// snippet quotes at most 40 bytes of raw for an error message.
func snippet(raw []byte) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "nothing"
	}
	if len(t) > 40 {
		return string(t[:40]) + "…"
	}
	return string(t)
}

func sdkErrorList() string {
	s := make([]string, len(sdkErrors))
	for i, e := range sdkErrors {
		s[i] = string(e)
	}
	return strings.Join(s, ", ")
}
