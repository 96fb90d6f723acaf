package fis

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
)

// FuzzTranslate: any bytes given as an FIS template translate without a panic into exactly one of
// an error (not a template), problems (each with a path and a reason), or an experiment that
// passes experiments.Validate. Seeds: the templates in testdata, JSON and YAML.
func FuzzTranslate(f *testing.F) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		f.Fatal(err)
	}
	yamls, err := filepath.Glob("testdata/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	files = append(files, yamls...)
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	alarmsJSON, err := os.ReadFile("testdata/describe-alarms.json")
	if err != nil {
		f.Fatal(err)
	}
	alarms, err := ParseAlarms(alarmsJSON)
	if err != nil {
		f.Fatal(err)
	}
	opts := Options{FunctionName: "ChaosLab-Etl", Alarms: alarms}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, problems, err := Translate(data, opts)
		switch {
		case err != nil:
			if e != nil || problems != nil {
				t.Fatalf("an error with an experiment or problems: %v", err)
			}
		case len(problems) > 0:
			if e != nil {
				t.Fatal("both an experiment and problems")
			}
			for _, p := range problems {
				if p.Path == "" || p.Reason == "" {
					t.Fatalf("a problem without its path or reason: %+v", p)
				}
			}
		case e == nil:
			t.Fatal("neither an experiment, problems nor an error")
		default:
			if err := experiments.Validate(e); err != nil {
				t.Fatalf("translated experiment does not validate: %v", err)
			}
		}
	})
}
