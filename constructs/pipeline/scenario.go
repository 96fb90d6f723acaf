package pipeline

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/contract"
)

// Scenario names, as given on the command line (`-c scenario=...`) and passed to the function in SCENARIO.
const (
	// ScenarioFlawed is the seed's architecture: the lab starts here and the experiments find its flaws.
	ScenarioFlawed = contract.ScenarioFlawed
	// ScenarioResilient is the fixed architecture the experiments must not be able to break.
	ScenarioResilient = contract.ScenarioResilient
)

// Scenario holds every deployment setting that differs between the two architectures. It is the one
// table of scenario-dependent numbers: the rest of the construct reads these fields and never branches
// on the scenario name.
type Scenario struct {
	// Name is ScenarioFlawed or ScenarioResilient; the function reads it from SCENARIO.
	Name string
	// Timeout is the function timeout.
	Timeout time.Duration
	// MemorySize is the function memory in MB (Lambda scales CPU and network with it).
	MemorySize int
	// BatchSize is the SQS event source's maximum number of messages per invocation.
	BatchSize int
	// MaxBatchingWindow is how long the event source may wait to fill a batch (0: invoke at once).
	MaxBatchingWindow time.Duration
	// VisibilityTimeout is the JSON work queue's visibility timeout: how long a received message stays
	// hidden before it is delivered again.
	VisibilityTimeout time.Duration
	// MaxReceiveCount is how many receives the JSON queue allows before it moves a message to the error
	// queue. PipelineProps.MaxReceiveCount overrides it.
	MaxReceiveCount int
}

// scenarios is the table. Each number cites where it comes from.
var scenarios = map[string]Scenario{
	ScenarioFlawed: {
		Name: ScenarioFlawed,
		// The seed's 3 s (terraform): the Lab 3 latency fault (3-5 s) pushes invocations over it.
		Timeout: 3 * time.Second,
		// The seed's 128 MB.
		MemorySize: 128,
		// The seed's batch size 1: one document per invocation, so one timeout costs one document.
		BatchSize:         1,
		MaxBatchingWindow: 0,
		// The seed's 180 s.
		VisibilityTimeout: 180 * time.Second,
		// The seed's redrive: a document is tried 3 times, then parked.
		MaxReceiveCount: 3,
	},
	ScenarioResilient: {
		Name: ScenarioResilient,
		// Sized for the fault budget: the Lab 3 fault adds up to 5 s per invocation, and the resilient
		// handler retries each SDK call with backoff within the deadline, so 30 s leaves room for the
		// latency plus several retry rounds across a batch of 10. Work is bounded by the deadline.
		Timeout: 30 * time.Second,
		// Lambda allocates CPU in proportion to memory; 256 MB halves the CPU time of TLS handshakes and
		// JSON work at 128 MB for a few cents a month at lab load.
		MemorySize: 256,
		// Up to 10 documents per invocation (the SQS maximum without a batching window); per-record
		// BatchItemFailures mean one failed document is redelivered alone, not the whole batch.
		BatchSize: 10,
		// No window: at the publisher's 2 documents/s a window would only add end-to-end latency.
		MaxBatchingWindow: 0,
		// AWS's guidance for SQS event sources: visibility >= 6x the function timeout, so a message is
		// not redelivered while an earlier receive is still being processed or retried. 6 x 30 s = 180 s,
		// which also keeps the seed's value.
		VisibilityTimeout: 180 * time.Second,
		// Poison documents go to the error queue at once, with their reason, so redrive is only the last
		// resort for transient failures. Failed records come back after an exponential backoff (1 s,
		// 2 s, ... capped at 60 s; functions/etl), so 10 receives ride out a 2-4 minute outage of a
		// dependency; at the Lab 4 fault (half the invocations cut off) 10 failures in a row have
		// odds of 1 in 1024 per document, where 3 would park 1 in 8.
		MaxReceiveCount: 10,
	},
}

// ScenarioNames returns the valid scenario names, sorted.
func ScenarioNames() []string {
	names := make([]string, 0, len(scenarios))
	for n := range scenarios {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// LookupScenario returns the settings of the named scenario, or an error listing the choices.
func LookupScenario(name string) (Scenario, error) {
	s, ok := scenarios[name]
	if !ok {
		return Scenario{}, fmt.Errorf("scenario %q is not one of: %s", name, strings.Join(ScenarioNames(), ", "))
	}
	return s, nil
}
