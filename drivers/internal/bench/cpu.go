package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/chaoslab/serverless-chaos-lab/local/cloud"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat: 100 on every Linux
// architecture Go supports (sysconf(_SC_CLK_TCK)).
const clockTicks = 100

// sample is every process's CPU seconds at one moment, by pid, and each pid's role.
type sample struct {
	seconds map[int]float64
	role    map[int]string
}

// cpu reads the CPU time of every process of the cloud: each role's processes, with their
// descendants when the cloud says so (cloud.Process.Tree).
func (b *bench) cpu(ctx context.Context) (sample, error) {
	s := sample{seconds: map[int]float64{}, role: map[int]string{}}
	if b.c.Processes == nil {
		return s, nil
	}
	ps, err := b.c.Processes(ctx)
	if err != nil {
		return s, fmt.Errorf("bench: the cloud's processes: %w", err)
	}
	for _, p := range ps {
		pids := []int{p.Pid}
		if p.Tree {
			pids = append(pids, descendants(p.Pid)...)
		}
		for _, pid := range pids {
			if _, seen := s.role[pid]; seen {
				continue
			}
			if sec, ok := cpuSeconds(pid); ok {
				s.seconds[pid], s.role[pid] = sec, p.Role
			}
		}
	}
	return s, nil
}

// cpuDelta is each role's CPU seconds between two samples; a process that started in between
// counts from 0 (a sandbox's cold start), one that ended in between is not counted.
func cpuDelta(before, after sample, converted int64) []CPU {
	by := map[string]float64{}
	for pid, sec := range after.seconds {
		by[after.role[pid]] += sec - before.seconds[pid]
	}
	roles := make([]string, 0, len(by))
	for r := range by {
		roles = append(roles, r)
	}
	order := map[string]int{cloud.RoleGateway: 0, cloud.RoleFauxqs: 1, cloud.RoleDynamoDB: 2, cloud.RoleFunction: 3, cloud.RoleStepFunctions: 4}
	sort.Slice(roles, func(i, j int) bool { return order[roles[i]] < order[roles[j]] })
	out := make([]CPU, 0, len(roles))
	for _, r := range roles {
		c := CPU{Role: r, Seconds: by[r]}
		if converted > 0 {
			c.Per1000 = by[r] / float64(converted) * 1000
		}
		out = append(out, c)
	}
	return out
}

// cpuSeconds is utime+stime of pid (fields 14 and 15 of /proc/<pid>/stat), in seconds.
func cpuSeconds(pid int) (float64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name (field 2) is in parentheses and may hold spaces: count from its end.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseFloat(f[11], 64)
	k, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return (u + k) / clockTicks, true
}

// descendants are pid's children, their children, and so on.
func descendants(pid int) []int {
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(p) + "/task/*/children")
		for _, t := range tasks {
			b, _ := os.ReadFile(t)
			for _, f := range strings.Fields(string(b)) {
				if c, err := strconv.Atoi(f); err == nil {
					out = append(out, c)
					queue = append(queue, c)
				}
			}
		}
	}
	return out
}

// PrintSteps prints a row per step: rates, latency, documents lost and still pending (in the work
// queue or the CSV queue) when the drain gave up, the bench's failed receives, each role's CPU
// seconds per 1,000 documents and their total (the cloud's), the load's own (this process: the
// publisher and the subscriber), and how busy the whole machine was and how much of it was stolen.
func PrintSteps(w io.Writer, steps []Step) {
	roles := []string{}
	seen := map[string]bool{}
	for _, st := range steps {
		for _, c := range st.CPU {
			if !seen[c.Role] {
				seen[c.Role] = true
				roles = append(roles, c.Role)
			}
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "OFFERED/s\tACCEPTED/s\tCONVERTED/s\tP50 ms\tP95 ms\tP99 ms\tLOST\tPENDING\tERROR Q\tRECV ERR\tDRAIN s"
	for _, r := range roles {
		head += "\t" + r
	}
	fmt.Fprintln(tw, head+"\tCPU s per 1,000 documents\tthe load's own\tmachine busy\tsteal\t")
	for _, st := range steps {
		row := fmt.Sprintf("%.0f\t%.1f\t%.1f\t%.0f\t%.0f\t%.0f\t%d\t%d\t%d\t%d\t%.1f", st.Rate, st.Accepted, st.Converted, st.P50, st.P95, st.P99,
			st.Lost, st.Pending, st.InErrorQueue, st.ReceiveErrors, st.DrainSeconds)
		var total float64
		for _, r := range roles {
			v := "-"
			for _, c := range st.CPU {
				if c.Role == r {
					v = strconv.FormatFloat(c.Per1000, 'f', 1, 64)
					total += c.Per1000
				}
			}
			row += "\t" + v
		}
		fmt.Fprintf(tw, "%s\ttotal %.1f\t%.1f\t%s\t%s\t\n", row, total, st.LoadPer1000, percent(st.MachineBusy), percent(st.MachineSteal))
	}
	tw.Flush()
}

// percent prints a share as a whole percentage, or "-" when it is unknown (negative).
func percent(p float64) string {
	if p < 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f %%", p)
}
