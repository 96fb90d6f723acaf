package bench

import (
	"bytes"
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
	"github.com/chaoslab/serverless-chaos-lab/local/cloud"
)

// A document's input key and its CSV's key name the same document.
func TestDocumentName(t *testing.T) {
	for _, k := range []string{"input/bench-s1-data_object_msg-7.json", "output/bench-s1-data_object_msg-7.json.csv"} {
		if got := documentName(k); got != "bench-s1-data_object_msg-7.json" {
			t.Errorf("documentName(%s) = %s", k, got)
		}
	}
}

// CPU time is read from /proc/<pid>/stat, the command name's parentheses and spaces notwithstanding.
func TestCPUSeconds(t *testing.T) {
	before, ok := cpuSeconds(os.Getpid())
	if !ok {
		testenv.Require(t, "/proc/<pid>/stat (Linux procfs)", errors.New("cannot read /proc/"+strconv.Itoa(os.Getpid())+"/stat"))
	}
	// Spin until the count grows (a tick is 10 ms of CPU: at nice 19 on a busy machine 50 ms of
	// wall time may not give one), for 10 s at most.
	after := before
	for end := time.Now().Add(10 * time.Second); after <= before && time.Now().Before(end); {
		for spin := time.Now().Add(5 * time.Millisecond); time.Now().Before(spin); {
		}
		after, _ = cpuSeconds(os.Getpid())
	}
	if after <= before {
		t.Errorf("CPU seconds did not grow in 10 s of spinning: %v then %v", before, after)
	}
	if _, ok := cpuSeconds(-1); ok {
		t.Error("a pid that does not exist has CPU seconds")
	}
}

// Each role's CPU over a step is the sum over its processes, per 1,000 documents converted; a
// process that started during the step counts from zero.
func TestCPUDelta(t *testing.T) {
	before := sample{seconds: map[int]float64{1: 10, 2: 5}, role: map[int]string{1: cloud.RoleGateway, 2: cloud.RoleFauxqs}}
	after := sample{seconds: map[int]float64{1: 12, 2: 6, 3: 0.5, 4: 0.25}, role: map[int]string{1: cloud.RoleGateway, 2: cloud.RoleFauxqs,
		3: cloud.RoleFunction, 4: cloud.RoleFunction}}
	got := cpuDelta(before, after, 500)
	want := []CPU{{cloud.RoleGateway, 2, 4}, {cloud.RoleFauxqs, 1, 2}, {cloud.RoleFunction, 0.75, 1.5}}
	if len(got) != len(want) {
		t.Fatalf("cpuDelta = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cpuDelta[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	var out bytes.Buffer
	PrintSteps(&out, []Step{{Rate: 100, Accepted: 99.5, Converted: 98, P50: 40, P95: 80, P99: 120, Lost: 1, Pending: 7, InErrorQueue: 3, ReceiveErrors: 2, CPU: got,
		LoadPer1000: 0.9, MachineBusy: 97.4, MachineSteal: 12.6}})
	if !regexp.MustCompile(`LOST\s+PENDING\s+ERROR Q\s+RECV ERR\s+DRAIN s`).MatchString(out.String()) ||
		!regexp.MustCompile(`100\s+99\.5\s+98\.0\s+40\s+80\s+120\s+1\s+7\s+3\s+2\s+0\.0\s+4\.0\s+2\.0\s+1\.5\s+total 7\.5\s+0\.9\s+97 %\s+13 %`).MatchString(out.String()) ||
		!strings.Contains(out.String(), "gateway") {
		t.Errorf("table:\n%s", out.String())
	}
}

// A step's busy or stolen share that could not be read is printed as "-".
func TestUnknownMachineShares(t *testing.T) {
	var out bytes.Buffer
	PrintSteps(&out, []Step{{Rate: 1, MachineBusy: -1, MachineSteal: -1}})
	if !regexp.MustCompile(`total 0\.0\s+0\.0\s+-\s+-`).MatchString(out.String()) {
		t.Errorf("an unknown busy or steal share is not printed as -:\n%s", out.String())
	}
}

// The bench's percentiles are nearest-rank: with 100 latencies the p99 is the 99th, not the worst.
func TestNearestRank(t *testing.T) {
	seq := func(n int) []float64 {
		s := make([]float64, n)
		for i := range s {
			s[i] = float64(i + 1)
		}
		return s
	}
	for _, tt := range []struct {
		n    int
		p    float64
		want float64
	}{
		{100, 0.50, 50}, {100, 0.95, 95}, {100, 0.99, 99},
		{20, 0.95, 19}, {20, 0.99, 20},
		{2, 0.50, 1}, {1, 0.99, 1}, {1000, 0.99, 990},
	} {
		if got := nearestRank(seq(tt.n), tt.p); got != tt.want {
			t.Errorf("p%.0f of 1..%d = %v, want %v", tt.p*100, tt.n, got, tt.want)
		}
	}
}
