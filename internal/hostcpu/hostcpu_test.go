package hostcpu

import (
	"errors"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
)

// The machine's busy share is everything but idle and iowait, its stolen share the steal column,
// both between two samples of /proc/stat.
func TestShares(t *testing.T) {
	before, ok := Parse("cpu  100 10 50 800 40 0 0 0 7 0\ncpu0 50 5 25 400 20 0 0 0 0 0\nintr 1\n")
	if !ok || before != (Sample{Busy: 160, Total: 1000}) {
		t.Fatalf("Parse = %+v, %v; want busy 160 of 1000 (guest is inside user)", before, ok)
	}
	after, _ := Parse("cpu  250 10 100 830 50 3 2 5 0 0\n")
	if got := before.BusyTime(); got != 1600*time.Millisecond { // 160 ticks at 100 a second
		t.Errorf("BusyTime = %v, want 1.6s", got)
	}
	if got := BusyPercent(before, after); got != 84 { // 210 of 250 ticks busy (irq, softirq and steal count)
		t.Errorf("BusyPercent = %v, want 84", got)
	}
	if got := StealPercent(before, after); got != 2 { // 5 of 250 ticks stolen
		t.Errorf("StealPercent = %v, want 2", got)
	}
	if got := BusyPercent(after, before); got != -1 {
		t.Errorf("BusyPercent with no time between = %v, want -1 (unknown)", got)
	}
	if got := StealPercent(after, before); got != -1 {
		t.Errorf("StealPercent with no time between = %v, want -1 (unknown)", got)
	}
	back := Sample{Busy: before.Busy - 10, Total: before.Total + 100} // busy went backwards
	if got := BusyPercent(before, back); got != 0 {
		t.Errorf("BusyPercent when busy went backwards = %v, want 0", got)
	}
	if got := StealPercent(after, Sample{Busy: after.Busy, Total: after.Total + 100}); got != 0 {
		t.Errorf("StealPercent when steal went backwards = %v, want 0", got)
	}
	for _, bad := range []string{"", "cpu0 1 2 3 4 5 6 7 8\n", "cpu 1 2 3\n", "cpu 1 2 x 4 5 6 7 8\n"} {
		if _, ok := Parse(bad); ok {
			t.Errorf("Parse(%q) read a line that is not /proc/stat's cpu total", bad)
		}
	}
	if busy, steal := Since(Sample{}, false); busy != -1 || steal != -1 {
		t.Errorf("Since a sample that could not be read = %v, %v; want -1, -1 (unknown)", busy, steal)
	}
	if _, ok := Read(); !ok {
		testenv.Require(t, "/proc/stat (Linux procfs)", errors.New("cannot read /proc/stat"))
	}
	// Since boot, as the zero sample is: a share of real time, steal inside busy.
	if busy, steal := Since(Sample{}, true); !(busy > 0 && busy <= 100 && steal >= 0 && steal <= busy) {
		t.Errorf("Since boot = %v %% busy, %v %% stolen; want 0 < busy <= 100, 0 <= steal <= busy", busy, steal)
	}
}
