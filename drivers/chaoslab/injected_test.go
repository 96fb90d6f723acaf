package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ssmapi "github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/runner/runnertest"
	localcw "github.com/chaoslab/serverless-chaos-lab/local/cloudwatch"
)

// chaoslab run says, under the verdict, how many faults the stack's function injected while the
// fault was on (its FaultsInjected metric, the function's dimension); none, with what that means
// for the verdict and what to check.
func TestRunSaysHowManyFaultsTheFunctionInjected(t *testing.T) {
	lc := runnertest.Need(t)
	lc.Steady()
	for _, tt := range []struct {
		name     string
		injected float64
		want     *regexp.Regexp
	}{
		{"fired", 42, regexp.MustCompile(`(?m)^injected: 42 faults by fn-fired while the fault was on \(its FaultsInjected, \d\d:\d\d:\d\d–\d\d:\d\d:\d\d UTC\)$`)},
		{"none", 0, regexp.MustCompile(`(?m)^injected: none: fn-none's failure layer counted no fault while the fault was on .*says nothing of the fault`)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			param := "fault-injected-" + tt.name
			outs := runnertest.Outputs(lc.Machine(t, "held", param), param)
			outs["FunctionName"] = "fn-" + tt.name
			outputs := filepath.Join(t.TempDir(), "outputs.json")
			b, _ := json.Marshal(map[string]map[string]string{"ChaosLab": outs})
			if err := os.WriteFile(outputs, b, 0o600); err != nil {
				t.Fatal(err)
			}
			// The function "injects" once the fault is on, as the failure layer counts it; another
			// function's count beside it is not this one's.
			ssmc := ssmapi.NewFromConfig(lc.AWS)
			go func() {
				for ctx.Err() == nil {
					p, err := ssmc.GetParameter(ctx, &ssmapi.GetParameterInput{Name: aws.String(param)})
					if err == nil && strings.Contains(aws.ToString(p.Parameter.Value), `"isEnabled":true`) {
						now := time.Now()
						lc.Metrics.Put(localcw.Datum{Namespace: "ChaosTransformer", Name: "FaultsInjected", Unit: "Count",
							Dimensions: map[string]string{"FunctionName": "other-" + tt.name}, Value: 1000, Time: now})
						if tt.injected > 0 {
							lc.Metrics.Put(localcw.Datum{Namespace: "ChaosTransformer", Name: "FaultsInjected", Unit: "Count",
								Dimensions: map[string]string{"FunctionName": "fn-" + tt.name}, Value: tt.injected, Time: now})
						}
						return
					}
					time.Sleep(50 * time.Millisecond)
				}
			}()
			m, out, errb := newMain()
			err := m.Run(ctx, []string{"run", "-outputs", outputs, "-pause", "3s", "-onset", "0", "-window", "1s", "-poll", "200ms",
				"-report=false", "-journal", filepath.Join(t.TempDir(), "journal.json"), "exp_1-minor_delay"})
			if code := cli.Code(err, ExitError); code != ExitHeld {
				t.Fatalf("exit %d (err %v)\nstdout:\n%s\nstderr:\n%s", code, err, out, errb)
			}
			if !tt.want.MatchString(out.String()) {
				t.Errorf("output lacks %v:\n%s", tt.want, out)
			}
			// follow of the ended execution says the same, of the stack whose machine ran it.
			arn := regexp.MustCompile(`(?m)^execution:\s+(\S+)$`).FindStringSubmatch(out.String())
			if arn == nil {
				t.Fatalf("no execution ARN in:\n%s", out)
			}
			m, out, errb = newMain()
			err = m.Run(ctx, []string{"follow", "-outputs", outputs, "-poll", "200ms", "-report=false",
				"-journal", filepath.Join(t.TempDir(), "followed.json"), arn[1]})
			if code := cli.Code(err, ExitError); code != ExitHeld {
				t.Fatalf("follow: exit %d (err %v)\nstdout:\n%s\nstderr:\n%s", code, err, out, errb)
			}
			if !tt.want.MatchString(out.String()) {
				t.Errorf("follow's output lacks %v:\n%s", tt.want, out)
			}
		})
	}
}
