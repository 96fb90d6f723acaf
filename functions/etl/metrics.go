package main

import (
	"encoding/json"
	"io"
	"sync"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/contract"
)

// Metric names of docs/contracts.md §2. The seed called PutMetricData once per write; an EMF line
// on stdout costs no API call, no IAM action on "*" and cannot itself fail the write path.
const (
	metricNamespace    = contract.MetricsNamespace
	metricSymbolWrites = "SymbolWriteCount"
	dimensionTable     = "DynamoDBTable"
)

// metricSink writes CloudWatch embedded-metric-format lines. Safe for concurrent use: the flawed
// scenario emits from background goroutines.
type metricSink struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

type emfDirective struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []emfMetric `json:"Metrics"`
}

type emfMetric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

// symbolWrite records one confirmed per-message write to table.
func (m *metricSink) symbolWrite(table string) error {
	line, err := json.Marshal(map[string]any{
		"_aws": map[string]any{
			"Timestamp": m.now().UnixMilli(),
			"CloudWatchMetrics": []emfDirective{{
				Namespace:  metricNamespace,
				Dimensions: [][]string{{dimensionTable}},
				Metrics:    []emfMetric{{Name: metricSymbolWrites, Unit: "Count"}},
			}},
		},
		dimensionTable:     table,
		metricSymbolWrites: 1,
	})
	if err != nil {
		return err
	}
	line = append(line, '\n')
	m.mu.Lock()
	defer m.mu.Unlock()
	_, err = m.w.Write(line)
	return err
}
