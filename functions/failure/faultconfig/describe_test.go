package faultconfig

import (
	"strings"
	"testing"
)

// Each fault is said in words, in the order the function applies them.
func TestDescribeFaults(t *testing.T) {
	tests := []struct {
		name, value string
		want        []string
	}{
		{name: "1.0 flags in injection order", value: `{"corruption": {"enabled": true, "percentage": 30}, "timeout": {"enabled": true, "timeout_buffer_ms": 500},
			"diskspace": {"enabled": true, "disk_space": 200}, "latency": {"enabled": true, "min_latency": 100}, "exception": {"enabled": false}}`,
			want: []string{"latency 100 ms, 100% of invocations", "timeout: waits until 500 ms before the invocation's deadline, 100% of invocations",
				"diskspace: fills 200 MB of /tmp, 100% of invocations", "corruption: mangles the response body, 30% of invocations"}},
		{name: "0.x top-level fault and faults entries", value: `{"isEnabled": true, "failureMode": "latency", "rate": 0.5, "minLatency": 3000, "maxLatency": 5000,
			"faults": [{"mode": "sdkerror", "error": "timeout", "minLatency": 100, "maxLatency": 200, "targets": ["s3:PutObject"]}]}`,
			want: []string{"latency 3000–5000 ms, 50% of invocations", "sdkerror: timeout errors after 100–200 ms, 100% of SDK calls, on s3:PutObject"}},
		{name: "rates read as written", value: `{"isEnabled": true, "failureMode": "latency", "rate": 0.29, "minLatency": 100, "faults": [{"mode": "exception", "rate": 0.07}]}`,
			want: []string{"latency 100 ms, 29% of invocations", `exception: fails with "injected exception" before the handler, 7% of invocations`}},
		{name: "replaced body", value: `{"corruption": {"enabled": true, "body": "{}"}}`,
			want: []string{`corruption: replaces the response body with "{}", 100% of invocations`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.value))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Describe(); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Describe() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
