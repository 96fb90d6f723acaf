package pipeline_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/constructs/pipeline"
)

func TestScenarioTableIsDeployable(t *testing.T) {
	// GIVEN every row of the scenario table THEN Lambda and SQS accept it: whole-second timeouts within
	// Lambda's 900 s, visibility at least the timeout (CreateEventSourceMapping refuses less), batches of
	// at most 10 without a batching window, and memory within 128..10240 MB.
	for _, name := range pipeline.ScenarioNames() {
		t.Run(name, func(t *testing.T) {
			s, err := pipeline.LookupScenario(name)
			if err != nil {
				t.Fatal(err)
			}
			if s.Name != name {
				t.Errorf("Name = %q", s.Name)
			}
			if s.Timeout%time.Second != 0 || s.Timeout < time.Second || s.Timeout > 900*time.Second {
				t.Errorf("Timeout %v", s.Timeout)
			}
			if s.VisibilityTimeout < s.Timeout || s.VisibilityTimeout > 12*time.Hour {
				t.Errorf("VisibilityTimeout %v vs Timeout %v", s.VisibilityTimeout, s.Timeout)
			}
			if s.BatchSize < 1 || s.BatchSize > 10 && s.MaxBatchingWindow == 0 {
				t.Errorf("BatchSize %d with window %v", s.BatchSize, s.MaxBatchingWindow)
			}
			if s.MemorySize < 128 || s.MemorySize > 10240 {
				t.Errorf("MemorySize %d", s.MemorySize)
			}
		})
	}
}

func TestScenariosDifferWhereTheLabNeedsThem(t *testing.T) {
	// GIVEN both scenarios THEN flawed keeps the seed's numbers (3 s, batch 1, 180 s, 128 MB) and resilient
	// keeps visibility >= 6x its timeout (AWS's guidance for SQS event sources).
	flawed, _ := pipeline.LookupScenario(pipeline.ScenarioFlawed)
	resilient, _ := pipeline.LookupScenario(pipeline.ScenarioResilient)
	if flawed.Timeout != 3*time.Second || flawed.BatchSize != 1 || flawed.VisibilityTimeout != 180*time.Second || flawed.MemorySize != 128 {
		t.Errorf("flawed = %+v, want the seed's 3 s / batch 1 / 180 s / 128 MB", flawed)
	}
	if resilient.VisibilityTimeout < 6*resilient.Timeout {
		t.Errorf("resilient visibility %v < 6x timeout %v", resilient.VisibilityTimeout, resilient.Timeout)
	}
	// The Lab 3 fault adds up to 5 s of latency; the resilient timeout must absorb it with room to retry.
	if resilient.Timeout <= 5*time.Second {
		t.Errorf("resilient timeout %v does not absorb the Lab 3 latency fault (<= 5 s)", resilient.Timeout)
	}
}

func TestLookupScenarioListsTheChoices(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{name: "flawed", in: "flawed"},
		{name: "resilient", in: "resilient"},
		{name: "unknown", in: "chaos", wantErr: true},
		{name: "case matters", in: "Flawed", wantErr: true},
		{name: "empty", in: "", wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := pipeline.LookupScenario(c.in)
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, c.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "flawed, resilient") {
				t.Errorf("error %q does not list the choices", err)
			}
		})
	}
}
