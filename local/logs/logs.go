// Package logs is the local cloud's CloudWatch Logs: the functions' log lines, which the local
// Lambda service writes to files, are also kept here by log group and stream and read back through
// the Logs API (JSON 1.1, X-Amz-Target Logs_20140328.<Op>): DescribeLogGroups, DescribeLogStreams,
// GetLogEvents and FilterLogEvents, so that `aws logs tail GROUP --follow`, `aws logs
// filter-log-events` and the SDKs read a local function's log as they read it in AWS.
//
// What it keeps: each group's newest MaxEvents events, MaxBytes of messages at most (the file keeps
// every line). Each sandbox writes a stream of its own, named as Lambda names an execution
// environment's (2026/12/04/[$LATEST]<32 hex digits>). Filter patterns: terms (all
// must occur), "quoted phrases", ?alternatives (any one must occur), -exclusions, and JSON patterns
// ({ $.level = "ERROR" && $.backoff_s > 10 }: jsonpattern.go); space-delimited ones ([a, b]) and
// regular expressions (%...%) are refused with an error that says so.
package logs

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// MaxEvents and MaxBytes bound what a group keeps (its messages' bytes): the oldest go first.
const (
	MaxEvents = 100_000
	MaxBytes  = 32 << 20
)

// Store holds the log groups. The zero value is not usable: New.
type Store struct {
	region, account string
	now             func() time.Time

	mu     sync.Mutex
	groups map[string]*group
	seq    int64 // the last event's number, across groups: event IDs and page tokens
}

type group struct {
	name      string
	created   int64 // ms since the epoch, as every time here
	retention int   // days; 0: kept for ever
	streams   map[string]*stream
	events    []event // oldest first
	bytes     int64
}

type stream struct {
	name                      string
	created, first, last, ing int64
	lastSeq                   int64 // its newest event: once the group has dropped it, the stream goes too
}

type event struct {
	seq            int64
	stream         string
	time, ingested int64
	msg            string
}

// New returns an empty store for region and account (the groups' ARNs).
func New(region, account string) *Store {
	return &Store{region: region, account: account, now: time.Now, groups: map[string]*group{}}
}

// CreateGroup makes the group name if it does not exist (Lambda's first write would), with
// retentionDays (0: its events never expire) as DescribeLogGroups says it. The local cloud keeps
// every event for its life: a lab's cloud lives minutes, the shortest retention is a day.
func (s *Store) CreateGroup(name string, retentionDays int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.group(name).retention = retentionDays
}

func (s *Store) group(name string) *group {
	g := s.groups[name]
	if g == nil {
		g = &group{name: name, created: s.now().UnixMilli(), streams: map[string]*stream{}}
		s.groups[name] = g
	}
	return g
}

// NewStream makes group if it does not exist and names a new stream in it, as Lambda names a
// sandbox's: its day, the version and 32 random hex digits. The stream exists from its first line.
func (s *Store) NewStream(group string) string {
	s.mu.Lock()
	s.group(group)
	s.mu.Unlock()
	var b [16]byte
	rand.Read(b[:])
	return s.now().UTC().Format("2006/01/02") + "/[$LATEST]" + hex.EncodeToString(b[:])
}

// Put adds one line to stream of group, both made if missing, stamped now.
func (s *Store) Put(groupName, streamName string, line []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().UnixMilli()
	g := s.group(groupName)
	st := g.streams[streamName]
	if st == nil {
		st = &stream{name: streamName, created: now, first: now}
		g.streams[streamName] = st
	}
	s.seq++
	st.last, st.ing, st.lastSeq = now, now, s.seq
	g.events = append(g.events, event{seq: s.seq, stream: streamName, time: now, ingested: now, msg: string(line)})
	g.bytes += int64(len(line))
	if len(g.events) > MaxEvents || g.bytes > MaxBytes {
		// Down to nine tenths of both bounds at once: the copy is paid rarely.
		drop := max(len(g.events)-MaxEvents*9/10, 0)
		for _, e := range g.events[:drop] {
			g.bytes -= int64(len(e.msg))
		}
		for drop < len(g.events)-1 && g.bytes > MaxBytes*9/10 {
			g.bytes -= int64(len(g.events[drop].msg))
			drop++
		}
		g.events = append(g.events[:0:0], g.events[drop:]...)
		// A stream none of whose events are left goes with them (a sandbox per timed-out
		// invocation makes many).
		for name, st := range g.streams {
			if st.lastSeq < g.events[0].seq {
				delete(g.streams, name)
			}
		}
	}
}

func (s *Store) arn(group string) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", s.region, s.account, group)
}

// groupNames are the names of the groups with prefix, sorted.
func (s *Store) groupNames(prefix string) []string {
	var out []string
	for n := range s.groups {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}
