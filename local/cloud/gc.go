package cloud

import (
	"os"
	"runtime/debug"
)

// gcPercent is the GOGC of a process whose main work is the cloud. The cloud's heap is small (tens of
// MB) and churns with every proxied request; under load at the default 100 the collector took 11 % of
// its CPU. At 400 the heap may grow to five times the live data, still small, and `make
// bench-pipeline` measured about 1 ms less of the cloud's CPU per document (README: the design notes on throughput, and Measurements).
const gcPercent = 400

// TuneGC sets the garbage collector for a process that hosts the cloud (chaoslab local up, the lab).
// A GOGC the user set wins.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}
