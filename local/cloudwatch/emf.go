package cloudwatch

import (
	"bytes"
	"encoding/json"
	"time"
)

type emfDoc struct {
	AWS *struct {
		Timestamp         *int64 `json:"Timestamp"`
		CloudWatchMetrics []struct {
			Namespace  string     `json:"Namespace"`
			Dimensions [][]string `json:"Dimensions"`
			Metrics    []struct {
				Name string `json:"Name"`
				Unit string `json:"Unit"`
			} `json:"Metrics"`
		} `json:"CloudWatchMetrics"`
	} `json:"_aws"`
}

// ParseEMF turns one CloudWatch Embedded Metric Format log line into data; ok is false when the
// line is not EMF (not a JSON object with an _aws.CloudWatchMetrics directive). Each dimension set
// of a directive yields one datum per metric value (a value may be a number or an array of up to
// 100 numbers); dimension values and metric values are read from the root members, and members
// that are missing or not numbers are skipped, as CloudWatch Logs does. Timestamp is epoch ms.
func ParseEMF(line []byte) (data []Datum, ok bool) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' || !bytes.Contains(line, []byte(`"_aws"`)) {
		return nil, false
	}
	var doc emfDoc
	if err := json.Unmarshal(line, &doc); err != nil || doc.AWS == nil || doc.AWS.CloudWatchMetrics == nil {
		return nil, false
	}
	var root map[string]json.RawMessage
	if err := json.Unmarshal(line, &root); err != nil {
		return nil, false
	}
	t := time.Now()
	if doc.AWS.Timestamp != nil {
		t = time.UnixMilli(*doc.AWS.Timestamp)
	}
	for _, d := range doc.AWS.CloudWatchMetrics {
		if d.Namespace == "" {
			continue
		}
		sets := d.Dimensions
		if len(sets) == 0 {
			sets = [][]string{nil}
		}
		for _, set := range sets {
			dims := map[string]string{}
			complete := true
			for _, name := range set {
				var v string
				if err := json.Unmarshal(root[name], &v); err != nil {
					complete = false
					break
				}
				dims[name] = v
			}
			if !complete {
				continue
			}
			for _, m := range d.Metrics {
				raw, present := root[m.Name]
				if !present {
					continue
				}
				var vals []float64
				var one float64
				if err := json.Unmarshal(raw, &one); err == nil {
					vals = []float64{one}
				} else if err := json.Unmarshal(raw, &vals); err != nil {
					continue
				}
				for _, v := range vals {
					data = append(data, Datum{Namespace: d.Namespace, Name: m.Name, Dimensions: dims, Value: v, Unit: m.Unit, Time: t})
				}
			}
		}
	}
	return data, true
}
