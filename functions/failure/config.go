package failure

import "github.com/chaoslab/serverless-chaos-lab/functions/failure/faultconfig"

// The config types live in package faultconfig (stdlib only, so the experiments compiler can
// validate faults with the same parser); these aliases keep this package's API whole.
type (
	// Config is a parsed, validated failure config (the SSM parameter's value).
	Config = faultconfig.Config
	// Fault is one fault of a Config.
	Fault = faultconfig.Fault
	// Mode is a kind of fault.
	Mode = faultconfig.Mode
	// SDKError is the kind of error an sdkerror fault returns to the SDK.
	SDKError = faultconfig.SDKError
	// Scope says how often the dice are rolled for an SDK-level fault.
	Scope = faultconfig.Scope
	// Target selects SDK calls by service and operation.
	Target = faultconfig.Target
	// Format is the generation of failure-lambda's config format a Config was written in.
	Format = faultconfig.Format
	// Condition is one of a failure-lambda 1.0 flag's match conditions.
	Condition = faultconfig.Condition
	// Operator is how a match condition compares.
	Operator = faultconfig.Operator
)

// The config formats (see faultconfig).
const (
	FormatFlat  = faultconfig.FormatFlat
	FormatFlags = faultconfig.FormatFlags
)

// The fault modes (see faultconfig).
const (
	ModeLatency    = faultconfig.ModeLatency
	ModeException  = faultconfig.ModeException
	ModeStatusCode = faultconfig.ModeStatusCode
	ModeDiskSpace  = faultconfig.ModeDiskSpace
	ModeDenylist   = faultconfig.ModeDenylist
	ModeSDKError   = faultconfig.ModeSDKError
	ModeTimeout    = faultconfig.ModeTimeout
	ModeCorruption = faultconfig.ModeCorruption
)

// The sdkerror kinds (see faultconfig).
const (
	SDKErrorThrottling      = faultconfig.SDKErrorThrottling
	SDKErrorInternal        = faultconfig.SDKErrorInternal
	SDKErrorUnavailable     = faultconfig.SDKErrorUnavailable
	SDKErrorConnectionReset = faultconfig.SDKErrorConnectionReset
	SDKErrorTimeout         = faultconfig.SDKErrorTimeout
)

// The dice scopes (see faultconfig).
const (
	ScopeCall       = faultconfig.ScopeCall
	ScopeInvocation = faultconfig.ScopeInvocation
)

// Limits on config values (see faultconfig).
const (
	MaxLatency     = faultconfig.MaxLatency
	MaxDiskSpaceMB = faultconfig.MaxDiskSpaceMB
)

// ParseConfig parses and validates a failure config (docs/contracts.md §3), failure-lambda 0.x's
// format or 1.0's: faultconfig.Parse. Errors name the JSON path, e.g.
// `faults[1].rate: want 0 ≤ rate ≤ 1, got 1.5` or `latency.percentage: want a whole number 0..100, got 150`.
func ParseConfig(b []byte) (Config, error) { return faultconfig.Parse(b) }
