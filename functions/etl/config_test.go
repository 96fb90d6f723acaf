package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func TestSettingsFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    Settings
		wantErr []string // substrings of the error; nil = no error
	}{
		{name: "flawed", env: map[string]string{"SCENARIO": "flawed", "CHAOS_DATA_TABLE": "chaos-data"},
			want: Settings{Scenario: ScenarioFlawed, Table: "chaos-data"}},
		{name: "resilient", env: map[string]string{"SCENARIO": "resilient", "CHAOS_DATA_TABLE": "t", "ERROR_QUEUE_URL": "http://q"},
			want: Settings{Scenario: ScenarioResilient, Table: "t", ErrorQueueURL: "http://q"}},
		{name: "unknown scenario names the variable and the choices",
			env:     map[string]string{"SCENARIO": "Resilient", "CHAOS_DATA_TABLE": "t"},
			wantErr: []string{`SCENARIO="Resilient"`, "flawed, resilient"}},
		{name: "unset scenario", env: map[string]string{"CHAOS_DATA_TABLE": "t"}, wantErr: []string{`SCENARIO=""`}},
		{name: "every problem at once", env: map[string]string{"SCENARIO": "resilient"},
			wantErr: []string{"CHAOS_DATA_TABLE is empty", "ERROR_QUEUE_URL is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SettingsFromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr == nil {
				if err != nil || got != tt.want {
					t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

// A sustained fault makes every attempt fail. The SDK's default retryer draws retries from a
// 500-token bucket and, once it is empty, stops retrying at all; the resilient policy keeps retrying
// every call MaxAttempts times however long the fault lasts.
func TestRetryPolicyDoesNotDrainUnderSustainedFaults(t *testing.T) {
	sustained := &smithyhttp.RequestSendError{Err: errors.New("connection refused")}
	tests := []struct {
		name        string
		retryer     aws.Retryer
		wantDrained bool
	}{
		{"SDK default drains", retry.NewStandard(), true},
		{"resilient policy keeps retrying", DefaultRetryPolicy.Retryer(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			drained := false
			for n := 0; n < 1000; n++ { // 1000 failed attempts: minutes of a 50 % fault at lab load
				if _, err := tt.retryer.GetRetryToken(context.Background(), sustained); err != nil {
					drained = true
					break
				}
			}
			if drained != tt.wantDrained {
				t.Fatalf("retry quota drained = %v, want %v", drained, tt.wantDrained)
			}
		})
	}
	if got := DefaultRetryPolicy.Retryer().MaxAttempts(); got != DefaultRetryPolicy.MaxAttempts {
		t.Fatalf("MaxAttempts = %d, want %d", got, DefaultRetryPolicy.MaxAttempts)
	}
}

func TestRetryPolicyRetryables(t *testing.T) {
	cancel := func(codes ...string) error {
		var rs []types.CancellationReason
		for _, c := range codes {
			rs = append(rs, types.CancellationReason{Code: aws.String(c)})
		}
		return fmt.Errorf("op: %w", &types.TransactionCanceledException{CancellationReasons: rs})
	}
	r := DefaultRetryPolicy.Retryer()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"conflict on the summary row", cancel("None", "TransactionConflict"), true},
		{"throttled", cancel("ThrottlingError", "None"), true},
		{"already written: not retried", cancel("ConditionalCheckFailed", "None"), false},
		{"condition and conflict: already written", cancel("ConditionalCheckFailed", "TransactionConflict"), false},
		{"validation", cancel("ValidationError", "None"), false},
		{"connection error", &smithyhttp.RequestSendError{Err: errors.New("reset")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.IsErrorRetryable(tt.err); got != tt.want {
				t.Fatalf("IsErrorRetryable = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFullJitterBounds(t *testing.T) {
	j := fullJitter{base: 50 * time.Millisecond, max: time.Second}
	tests := []struct {
		attempt int
		ceiling time.Duration
	}{{1, 50 * time.Millisecond}, {2, 100 * time.Millisecond}, {5, 800 * time.Millisecond}, {6, time.Second}, {40, time.Second}}
	for _, tt := range tests {
		t.Run(fmt.Sprint("attempt ", tt.attempt), func(t *testing.T) {
			var maxSeen time.Duration
			for range 2000 {
				d, _ := j.BackoffDelay(tt.attempt, nil)
				if d < 0 || d >= tt.ceiling {
					t.Fatalf("delay %v outside [0, %v)", d, tt.ceiling)
				}
				maxSeen = max(maxSeen, d)
			}
			if maxSeen < tt.ceiling/2 { // jitter spreads over the whole range
				t.Fatalf("max delay %v over 2000 draws, want near %v", maxSeen, tt.ceiling)
			}
		})
	}
}
