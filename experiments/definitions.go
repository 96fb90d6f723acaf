package experiments

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// definitions holds the shipped experiments and the metric-data-query files their probes name.
//
//go:embed exp_*.json steadyState*.json
var definitions embed.FS

// Definitions is the shipped experiments' directory (read-only).
var Definitions fs.FS = definitions

// Names lists the shipped experiments' file names (exp_*.json), sorted.
func Names() []string {
	matches, _ := fs.Glob(definitions, "exp_*.json")
	slices.Sort(matches)
	return matches
}

// ShortNames are the shipped experiments' names as chaoslab list prints them and the commands
// take them: without ".json".
func ShortNames() []string {
	names := Names()
	for i, n := range names {
		names[i] = strings.TrimSuffix(n, ".json")
	}
	return names
}

// LoadDefinition loads a shipped experiment by file name, with or without ".json".
func LoadDefinition(name string) (*Experiment, error) {
	if !strings.HasSuffix(name, ".json") {
		name += ".json"
	}
	if !slices.Contains(Names(), path.Base(name)) {
		return nil, fmt.Errorf("no shipped experiment %q (have %s)", name, strings.Join(ShortNames(), ", "))
	}
	return LoadFS(definitions, path.Base(name))
}
