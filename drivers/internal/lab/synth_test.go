package lab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Each experiment and scenario has a stack of its own, named by the experiment's number unless two
// experiments share it.
func TestStackName(t *testing.T) {
	all := []string{"exp_1-minor_delay", "exp_2-dynamodb_disruption", "exp_2-other"}
	tests := []struct{ scenario, experiment, want string }{
		{"flawed", "exp_1-minor_delay", "ChaosLab-flawed-exp1"},
		{"resilient", "exp_1-minor_delay", "ChaosLab-resilient-exp1"},
		{"flawed", "exp_2-dynamodb_disruption", "ChaosLab-flawed-exp-2-dynamodb-disruption"},
	}
	for _, tt := range tests {
		if got := StackName(tt.scenario, tt.experiment, all); got != tt.want {
			t.Errorf("StackName(%s, %s) = %s, want %s", tt.scenario, tt.experiment, got, tt.want)
		}
		if !stackNameOK(StackName(tt.scenario, tt.experiment, all)) {
			t.Errorf("%s is not a CloudFormation stack name", StackName(tt.scenario, tt.experiment, all))
		}
	}
}

func stackNameOK(s string) bool {
	if s == "" || len(s) > 128 || !strings.ContainsAny(s[:1], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") {
		return false
	}
	return strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") == ""
}

// A synthesized stack is reused only while everything the app builds from is unchanged: a source
// file of the app or the function, an experiment, cdk.json; tests, docs, the drivers, the local
// cloud and the lab's own directories do not count.
func TestSynthKey(t *testing.T) {
	root := t.TempDir()
	write := func(rel, body string) {
		t.Helper()
		p := filepath.Join(root, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("app.go", "package main")
	write("cdk.json", "{}")
	write("functions/etl/main.go", "package main")
	write("experiments/exp_1.json", "{}")
	work := filepath.Join(root, ".lab")
	key := func() string {
		t.Helper()
		k, err := synthKey(root, []string{work, filepath.Join(root, "results")}, "flawed", "ChaosLab-flawed-exp1", "x86_64")
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	base := key()
	for _, unchanged := range []string{"functions/etl/main_test.go", "README.md", "drivers/x.go", "local/y.go", "test/z.go",
		".lab/cdk.out.ChaosLab-flawed-exp1/manifest.json", "results/summary.json", "functions/etl/testdata/event.json"} {
		write(unchanged, "anything")
		if key() != base {
			t.Errorf("writing %s changed the key", unchanged)
		}
	}
	for _, changed := range []string{"functions/etl/main.go", "experiments/exp_1.json", "cdk.json", "constructs/new.go", "go.sum"} {
		write(changed, "changed "+changed)
		k := key()
		if k == base {
			t.Errorf("changing %s left the key", changed)
		}
		base = k
	}
	if k, _ := synthKey(root, nil, "resilient", "ChaosLab-resilient-exp1", "x86_64"); k == base {
		t.Error("another scenario and stack gave the same key")
	}
}
