package cdkapp

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFindRoot(t *testing.T) {
	root, err := FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "cdk.json")); err != nil {
		t.Fatalf("root %s holds no cdk.json: %v", root, err)
	}
	if wd, _ := os.Getwd(); Rel(root, wd) != filepath.Join("drivers", "internal", "cdkapp") {
		t.Errorf("Rel(%s, %s) = %s", root, wd, Rel(root, wd))
	}
}

func TestRel(t *testing.T) {
	tests := []struct{ name, p, want string }{
		{name: "inside", p: "/repo/.lab/cdk.out.flawed", want: ".lab/cdk.out.flawed"},
		{name: "outside stays absolute", p: "/tmp/results", want: "/tmp/results"},
		{name: "sibling with the root's prefix", p: "/repo2/x", want: "/repo2/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Rel("/repo", tt.p); got != tt.want {
				t.Errorf("Rel(/repo, %s) = %s, want %s", tt.p, got, tt.want)
			}
		})
	}
}
