package pipeline

import (
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/contract"
	"github.com/chaoslab/serverless-chaos-lab/internal/lambdabuild"
)

// Defaults, in one place. Each PipelineProps field documents the default it takes from here.
const (
	// DefaultFunctionSource is the Go main package of the lab's ETL function. As an import path it
	// resolves from this module, and from any module that requires it and names it in a tool
	// directive (go mod tidy keeps its dependencies' go.sum entries then; PipelineProps.FunctionSource).
	DefaultFunctionSource = lambdabuild.ETL
	// DefaultArchitecture is arm64 (Graviton): AWS's recommendation for new functions, cheaper per ms.
	DefaultArchitecture = ArchitectureARM64
	// DefaultFailureCacheTTL is how long the function caches the fault config (contracts §2).
	DefaultFailureCacheTTL = 5 * time.Second
	// MinFailureCacheTTL is the shortest FailureCacheTTL: a shorter one reads SSM on nearly every
	// invocation (and 5, meaning seconds, is five nanoseconds).
	MinFailureCacheTTL = time.Second
	// DefaultInitialFaultConfig is the seed's initial SSM value: injection off.
	DefaultInitialFaultConfig = `{"isEnabled": false}`
	// DefaultCsvVisibilityTimeout is the seed's 180 s on the CSV queue (drained by the subscriber).
	DefaultCsvVisibilityTimeout = 180 * time.Second
	// DefaultLogRetention keeps a week of function logs: enough to investigate a lab run.
	DefaultLogRetention = 7 * 24 * time.Hour
	// MetricsNamespace is the namespace of the function's own metrics (contracts §2).
	MetricsNamespace = contract.MetricsNamespace
)

// Architectures accepted by PipelineProps.Architecture.
const (
	ArchitectureARM64 = "arm64"
	ArchitectureX8664 = "x86_64"
)

// goarch maps a Lambda architecture name to GOARCH.
var goarch = map[string]string{ArchitectureARM64: "arm64", ArchitectureX8664: "amd64"}
