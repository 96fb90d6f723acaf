// Package hostcpu reads how busy the whole machine's CPUs were between two moments, and how much of
// that time the hypervisor stole: the context a benchmark's or a lab's figures need on a shared
// virtual machine, where the same code runs at half its speed while the host is busy.
//
//	before, ok := hostcpu.Read()
//	... the work ...
//	busy, steal := hostcpu.Since(before, ok) // -1, -1 where /proc/stat cannot be read
package hostcpu

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// Sample is the machine's CPU time from boot, in clock ticks, from /proc/stat's first line: Busy
// (everything but idle and iowait), Steal (the time the virtual machine's CPUs wanted to run and
// the hypervisor ran something else; counted in Busy too) and Total. It counts every CPU of the
// host, so in a container held to fewer cores by its cgroup the shares read low.
type Sample struct{ Busy, Steal, Total uint64 }

// Read samples /proc/stat; ok is false where it cannot be read (not Linux).
func Read() (s Sample, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return Sample{}, false
	}
	return Parse(string(b))
}

// Parse reads /proc/stat's "cpu" line: user nice system idle iowait irq softirq steal (guest and
// guest_nice are already counted in user and nice).
func Parse(stat string) (Sample, bool) {
	line, _, _ := strings.Cut(stat, "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return Sample{}, false
	}
	var s Sample
	for i, v := range f[1:9] {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return Sample{}, false
		}
		s.Total += n
		if i != 3 && i != 4 { // idle, iowait
			s.Busy += n
		}
		if i == 7 {
			s.Steal = n
		}
	}
	return s, true
}

// BusyPercent is the share of the machine's CPU time that was busy between two samples, within
// [0, 100] (a counter that went backwards, as steal time can on some hypervisors, is clamped), or
// -1 when it cannot be told (no time passed between them).
func BusyPercent(before, after Sample) float64 {
	return share(before.Busy, after.Busy, before, after)
}

// StealPercent is the share of the machine's CPU time the hypervisor stole between two samples, as
// BusyPercent is for busy: what the work lacked of its cores.
func StealPercent(before, after Sample) float64 {
	return share(before.Steal, after.Steal, before, after)
}

// Since is the busy and stolen shares from before (a Read, with its ok) to now: BusyPercent and
// StealPercent, or -1 and -1 when /proc/stat could not be read then or now.
func Since(before Sample, ok bool) (busy, steal float64) {
	after, ok2 := Read()
	if !ok || !ok2 {
		return -1, -1
	}
	return BusyPercent(before, after), StealPercent(before, after)
}

// BusyTime is the CPU time the busy ticks of s stand for, at Linux's USER_HZ of 100 ticks a second:
// with two samples, what the whole machine spent between them, children of other processes
// included (a benchmark's forked commands, which no rusage of the benchmark counts).
func (s Sample) BusyTime() time.Duration { return time.Duration(s.Busy) * 10 * time.Millisecond }

// share is how much a counter grew between two samples, as a percentage of the total time between
// them, clamped to [0, 100]; -1 when no time passed.
func share(from, to uint64, before, after Sample) float64 {
	if after.Total <= before.Total {
		return -1
	}
	p := (float64(to) - float64(from)) / float64(after.Total-before.Total) * 100
	return min(max(p, 0), 100)
}
