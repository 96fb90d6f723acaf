package experiment

import "time"

// Defaults, in one place. Each ExperimentProps field documents the default it takes from here.
const (
	// DefaultTimeout bounds an execution: the shipped experiments take about 15 minutes (5 min
	// observed before, 5 min of fault, 5 min of recovery); a timed-out execution is rolled back by
	// the Rule.
	DefaultTimeout = time.Hour
)
