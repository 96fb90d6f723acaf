package dashboard

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// web holds the page code: the shared widget renderer (widgets.js, widgets.css) and the live
// page (live.html, live.js, live.css).
//
//go:embed web
var web embed.FS

func asset(name string) []byte {
	b, err := web.ReadFile("web/" + name)
	if err != nil {
		panic(err) // embedded at build time: a missing file is a build mistake
	}
	return b
}

// RendererJS and RendererCSS are the shared widget renderer (web/widgets.js, web/widgets.css).
// It needs the chart library loaded first, and draws a View with ChaosDash.render(root, view).
func RendererJS() []byte  { return asset("widgets.js") }
func RendererCSS() []byte { return asset("widgets.css") }

// ChartLibrary is uPlot, read from node_modules at run time (package.json pins it; nothing of it
// is committed here).
type ChartLibrary struct {
	Version string
	JS, CSS []byte
}

// chartDir is where uPlot's browser build lives under the repository root.
var chartDir = filepath.Join("node_modules", "uplot")

// LoadChartLibrary reads uPlot from root/node_modules; root "" means the first directory holding
// it, walking up from the working directory.
func LoadChartLibrary(root string) (*ChartLibrary, error) {
	if root == "" {
		r, err := FindRoot()
		if err != nil {
			return nil, err
		}
		root = r
	}
	dir := filepath.Join(root, chartDir)
	js, err := os.ReadFile(filepath.Join(dir, "dist", "uPlot.iife.min.js"))
	if err != nil {
		return nil, fmt.Errorf("chart library: %w (run npm ci in %s)", err, root)
	}
	css, err := os.ReadFile(filepath.Join(dir, "dist", "uPlot.min.css"))
	if err != nil {
		return nil, fmt.Errorf("chart library: %w (run npm ci in %s)", err, root)
	}
	var pkg struct{ Version string }
	if b, err := os.ReadFile(filepath.Join(dir, "package.json")); err == nil {
		json.Unmarshal(b, &pkg)
	}
	return &ChartLibrary{Version: pkg.Version, JS: js, CSS: css}, nil
}

// FindRoot walks up from the working directory to the first directory whose node_modules holds
// uPlot.
func FindRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, chartDir, "dist", "uPlot.iife.min.js")); err == nil {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", errors.New("chart library: no node_modules/uplot in " + wd + " or above it: run from the lab's repository (or a chaoslab built into it: go build -o bin/chaoslab ./drivers/chaoslab), where `npm ci` (make lab runs it) installs it")
		}
	}
}
