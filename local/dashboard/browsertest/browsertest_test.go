package browsertest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/poll"
	"github.com/chaoslab/serverless-chaos-lab/local/dashboard/browsertest"
)

// TestRecorderSeesErrorsAndOutsideRequests checks the harness itself: a page that logs an error,
// throws, and reaches outside 127.0.0.1 must be caught.
func TestRecorderSeesErrorsAndOutsideRequests(t *testing.T) {
	b := browsertest.Start(t, 30*time.Second)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!doctype html><link rel="icon" href="data:,"><body><script>
			console.error("boom");
			new Image().src = "http://192.0.2.1/pixel.png";
			setTimeout(() => { document.body.dataset.done = "1"; throw new Error("uncaught"); }, 0);
		</script>`))
	}))
	defer srv.Close()
	p := b.Open(t, srv.URL, browsertest.Loopback)
	p.Wait(t, `document.body.dataset.done === "1"`, 20*time.Second)
	// The exception event follows the dataset write, by a moment or (a loaded machine) by seconds.
	var errs string
	poll.Until(20*time.Second, 20*time.Millisecond, func() bool {
		errs = strings.Join(p.Errors(), "\n")
		return strings.Contains(errs, "uncaught")
	})
	if !strings.Contains(errs, "boom") || !strings.Contains(errs, "uncaught") {
		t.Errorf("errors = %q, want the console.error and the exception", errs)
	}
	if !slices.Contains(p.Outside(), "http://192.0.2.1/pixel.png") {
		t.Errorf("outside = %q, want the image request", p.Outside())
	}
	if !slices.ContainsFunc(p.Requests(), func(u string) bool { return strings.HasPrefix(u, srv.URL) }) {
		t.Errorf("requests = %q, want the page itself", p.Requests())
	}
}

func TestAllowLists(t *testing.T) {
	for _, c := range []struct {
		url              string
		loopback, onDisk bool
	}{
		{"http://127.0.0.1:8080/x", true, false},
		{"http://localhost:8080/x", false, false},
		{"https://cdn.example.com/uplot.js", false, false},
		{"file:///tmp/report.html", false, true},
		{"data:image/png;base64,AAAA", true, true},
	} {
		if got := browsertest.Loopback(c.url); got != c.loopback {
			t.Errorf("Loopback(%s) = %v", c.url, got)
		}
		if got := browsertest.FileOnly(c.url); got != c.onDisk {
			t.Errorf("FileOnly(%s) = %v", c.url, got)
		}
	}
}

func TestPixelsMostlyForgivesAGridLine(t *testing.T) {
	red, grid := [3]int{250, 220, 220}, [3]int{238, 238, 238}
	row := browsertest.Pixels{red, red, red, red, grid, red, red, red, red}
	if !row.Mostly(browsertest.Red) {
		t.Errorf("%v: one grid line among red, want mostly red", row)
	}
	row = browsertest.Pixels{red, grid, red, grid, red, grid, red, red, red}
	if row.Mostly(browsertest.Red) {
		t.Errorf("%v: three of nine not red, want not mostly red", row)
	}
	if (browsertest.Pixels{grid}).Mostly(browsertest.Neutral) {
		t.Error("a single pixel is not a row")
	}
}

// TestStartAgainAfterABrowserThatExitsAtStart: a Chromium that exits before it listens for
// DevTools (as Debian's once crashed in CI) is started again, and the test gets a working browser.
func TestStartAgainAfterABrowserThatExitsAtStart(t *testing.T) {
	real, err := browsertest.ChromiumPath()
	if err != nil {
		browsertest.Start(t, time.Second) // skips, or fails with CI set, naming Chromium
		return
	}
	dir := t.TempDir()
	marker := filepath.Join(dir, "crashed-once")
	script := filepath.Join(dir, "chromium-crashing-once")
	body := fmt.Sprintf("#!/bin/sh\nif [ ! -e %q ]; then : > %q; echo 'crashed at start' >&2; exit 133; fi\nexec %q \"$@\"\n", marker, marker, real)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CHROMIUM", script)
	b := browsertest.Start(t, 30*time.Second)
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("the first start did not run the crashing script: %v", err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!doctype html><link rel="icon" href="data:,"><title>up</title>`))
	}))
	defer srv.Close()
	p := b.Open(t, srv.URL, browsertest.Loopback)
	if got := browsertest.Eval[string](t, p, `document.title`); got != "up" {
		t.Errorf("title = %q, want up", got)
	}
}
