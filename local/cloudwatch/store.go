// Package cloudwatch is the local cloud's CloudWatch: an in-memory metrics store, the CloudWatch
// API in the three protocols its clients speak (Smithy RPCv2-CBOR for the pinned SDK for Go, AWS
// JSON 1.0 for botocore 1.43 / AWS CLI v1.45, the query protocol for older botocore such as
// Debian's AWS CLI 2.9), metric alarms evaluated on the store's own metrics (alarms.go), Embedded
// Metric Format parsing for function logs, and the AWS/SQS metrics witnessed at the gateway.
package cloudwatch

import (
	"sort"
	"strings"
	"sync"
	"time"
)

// Datum is one metric observation.
type Datum struct {
	Namespace  string
	Name       string
	Dimensions map[string]string
	Value      float64
	Unit       string    // Default: "None".
	Time       time.Time // Default: now.
}

// point is a statistic set: one Put value, or a StatisticValues/Values+Counts entry.
type point struct {
	t                    time.Time
	sum, count, min, max float64
}

// metricKey identifies a series: namespace, name and the dimensions in name order.
type metricKey struct {
	namespace, name string
	dims            string // "k1=v1\x00k2=v2", sorted by k
}

// less is ListMetrics' order: by namespace, then name, then dimensions.
func (k metricKey) less(o metricKey) bool {
	if k.namespace != o.namespace {
		return k.namespace < o.namespace
	}
	if k.name != o.name {
		return k.name < o.name
	}
	return k.dims < o.dims
}

type series struct {
	key    metricKey
	dims   []Dimension
	unit   string
	points []point // sorted by t (appends are usually in order; out-of-order ones are inserted)
}

// Dimension is a name/value pair of a metric.
type Dimension struct{ Name, Value string }

// Store holds metrics, dashboards and alarms. The zero value is not usable; call NewStore.
type Store struct {
	mu         sync.RWMutex
	series     map[metricKey]*series
	dashboards map[string]dashboard
	alarms     alarmBook
	now        func() time.Time
}

type dashboard struct {
	body     string
	modified time.Time
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{series: map[metricKey]*series{}, dashboards: map[string]dashboard{}, now: time.Now}
}

func keyOf(namespace, name string, dims []Dimension) (metricKey, []Dimension) {
	ds := append([]Dimension(nil), dims...)
	sort.Slice(ds, func(i, j int) bool { return ds[i].Name < ds[j].Name })
	var b strings.Builder
	for i, d := range ds {
		if i > 0 {
			b.WriteByte(0)
		}
		b.WriteString(d.Name)
		b.WriteByte('=')
		b.WriteString(d.Value)
	}
	return metricKey{namespace: namespace, name: name, dims: b.String()}, ds
}

func dimsOf(m map[string]string) []Dimension {
	out := make([]Dimension, 0, len(m))
	for k, v := range m {
		out = append(out, Dimension{Name: k, Value: v})
	}
	return out
}

// Put records data.
func (s *Store) Put(data ...Datum) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, d := range data {
		t := d.Time
		if t.IsZero() {
			t = now
		}
		s.putLocked(d.Namespace, d.Name, dimsOf(d.Dimensions), d.Unit, point{t: t, sum: d.Value, count: 1, min: d.Value, max: d.Value})
	}
}

func (s *Store) putLocked(namespace, name string, dims []Dimension, unit string, p point) {
	k, ds := keyOf(namespace, name, dims)
	se := s.series[k]
	if se == nil {
		se = &series{key: k, dims: ds}
		s.series[k] = se
	}
	if unit == "" {
		unit = "None"
	}
	se.unit = unit
	n := len(se.points)
	if n == 0 || !p.t.Before(se.points[n-1].t) {
		se.points = append(se.points, p)
		return
	}
	i := sort.Search(n, func(i int) bool { return se.points[i].t.After(p.t) })
	se.points = append(se.points, point{})
	copy(se.points[i+1:], se.points[i:])
	se.points[i] = p
}

// Add is a convenience for counters: Put of one Count datum at now.
func (s *Store) Add(namespace, name string, dims map[string]string, value float64) {
	s.Put(Datum{Namespace: namespace, Name: name, Dimensions: dims, Value: value, Unit: "Count"})
}
