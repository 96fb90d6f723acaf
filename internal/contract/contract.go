// Package contract holds the literals that the CDK app, the constructs, the ETL function, the drivers
// and the local cloud must agree on: the default stack name and the scenario names. It imports nothing
// but the standard library, so a Lambda binary can import it without pulling in the CDK.
//
// The outputs, environment variables and fault config that make up the rest of the contract are
// described in docs/contracts.md.
package contract

import (
	"fmt"
	"slices"
	"strings"
)

// DefaultStackName is the stack's construct id and CloudFormation name when the CDK context gives
// none (docs/contracts.md §1).
const DefaultStackName = "ChaosLab"

// MetricsNamespace is the CloudWatch namespace of the ETL function's metrics and of its failure
// layer's (docs/contracts.md §2).
const MetricsNamespace = "ChaosTransformer"

// MetricFaultsInjected is the failure layer's count of the faults that fired, one each, in
// MetricsNamespace: what the dashboard's Faults injected graph draws and chaoslab run counts.
const MetricFaultsInjected = "FaultsInjected"

// Scenario names, as given on the command line (`-c scenario=...`) and passed to the function in
// SCENARIO.
const (
	// ScenarioFlawed is the seed's architecture: the lab starts here and the experiments find its flaws.
	ScenarioFlawed = "flawed"
	// ScenarioResilient is the fixed architecture the experiments must not be able to break.
	ScenarioResilient = "resilient"
)

// Scenarios returns the scenario names in the order the lab runs them: the seed's flawed
// architecture first, then the fix.
func Scenarios() []string { return []string{ScenarioFlawed, ScenarioResilient} }

// CheckScenario returns an error naming field (a flag, a context key, an environment variable) when
// s is not a scenario name.
func CheckScenario(field, s string) error {
	if slices.Contains(Scenarios(), s) {
		return nil
	}
	return fmt.Errorf("%s=%q: want one of %s", field, s, strings.Join(Scenarios(), ", "))
}
