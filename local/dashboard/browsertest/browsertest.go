// Package browsertest opens pages in a headless Chromium for tests, driven from Go with chromedp,
// and records what a user would not see in markup alone: console errors, uncaught exceptions,
// browser log errors, and every request the page makes. The live dashboard page's tests and the
// run reports' tests use it.
//
//	b := browsertest.Start(t, 60*time.Second) // skips (fails with CI set) without Chromium
//	p := b.Open(t, url, browsertest.Loopback)
//	p.Wait(t, `document.querySelectorAll(".cd-widget").length > 0`, 10*time.Second)
//	n := browsertest.Eval[int](t, p, `document.querySelectorAll(".cd-widget").length`)
//	p.Check(t) // no console error, no request outside what the page may reach
//
// Chromium runs with --headless --no-sandbox --disable-gpu --no-first-run
// --disable-background-networking --disable-component-update --disable-sync --disable-quic and
// a fresh user-data-dir; chromedp stops it by its own pid when the test ends.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
)

// Browser is a running headless Chromium.
type Browser struct {
	ctx context.Context
}

// ChromiumPath finds Chromium: $CHROMIUM, else chromium or chromium-browser on PATH, else
// /usr/bin/chromium (Debian's package).
func ChromiumPath() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return exec.LookPath(p)
	}
	for _, name := range []string{"chromium", "chromium-browser", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium on PATH and no /usr/bin/chromium")
}

// Start starts Chromium for the test; everything it does is bounded by limit (the browser is
// stopped when limit passes or the test ends). Without Chromium the test skips, or fails when
// the CI environment variable is set.
//
// A browser that exits before it listens for DevTools is started again, at most startAttempts
// times in all, each failure logged with what Chromium printed: Debian's Chromium 148 crashed so
// at start once in a CI run (its crash handler wrote a dump before any page was open), and 180
// starts by hand, 6 at once under load, did not repeat it. A page's own failure is never retried.
func Start(t testing.TB, limit time.Duration) *Browser {
	t.Helper()
	testenv.SkipIfShort(t, "starts Chromium")
	path, err := ChromiumPath()
	testenv.Require(t, "chromium (apt-get install chromium)", err)
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	t.Cleanup(cancel)
	for attempt := 1; ; attempt++ {
		bctx, stop := startBrowser(ctx, path, t.TempDir())
		err := chromedp.Do(bctx)
		if err == nil {
			t.Cleanup(stop)
			return &Browser{ctx: bctx}
		}
		stop()
		if attempt == startAttempts || !strings.Contains(err.Error(), "chrome failed to start") || ctx.Err() != nil {
			t.Fatalf("start chromium (%s), attempt %d of %d: %v", path, attempt, startAttempts, err)
		}
		t.Logf("start chromium (%s), attempt %d of %d, exited before it listened: %v", path, attempt, startAttempts, err)
	}
}

// startAttempts bounds how often Start starts a browser that exits before it listens.
const startAttempts = 3

// startBrowser starts one Chromium with a fresh profile under dir; stop ends it and waits for
// its process to exit.
func startBrowser(ctx context.Context, path, dir string) (context.Context, func()) {
	tmp, err := os.MkdirTemp("", "chromium-")
	if err != nil {
		tmp = dir // the socket's path may then be too long, and the start fail saying so
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.UserDataDir(filepath.Join(dir, "chromium-profile")),
		// Its singleton socket's directory (org.chromium.Chromium.*) is made under TMPDIR and left
		// when the browser is killed: a directory of this browser's, removed by stop. Not one under
		// the test's: a socket's path must fit in 108 bytes.
		chromedp.Env("TMPDIR="+tmp),
		chromedp.WindowSize(1400, 1000),
	)
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	return bctx, func() {
		cancelBrowser()
		cancelAlloc() // waits for the browser process to exit
		if tmp != dir {
			os.RemoveAll(tmp)
		}
	}
}

// Page is one tab, with what it logged and requested.
type Page struct {
	ctx     context.Context
	allowed func(string) bool

	mu       sync.Mutex
	errors   []string
	requests []string
	outside  []string
}

// Loopback allows requests to 127.0.0.1 and the page's own data: and blob: URLs.
func Loopback(u string) bool {
	if strings.HasPrefix(u, "data:") || strings.HasPrefix(u, "blob:") || u == "about:blank" {
		return true
	}
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Hostname() == "127.0.0.1"
}

// FileOnly allows file: URLs and the page's own data: and blob: URLs: a report opened from disk.
func FileOnly(u string) bool {
	return strings.HasPrefix(u, "file://") || strings.HasPrefix(u, "data:") || strings.HasPrefix(u, "blob:") || u == "about:blank"
}

// Open opens url in a new tab of the browser and waits for its load event. allowed says which
// request URLs the page may make (Loopback, FileOnly).
func (b *Browser) Open(t testing.TB, pageURL string, allowed func(string) bool) *Page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	p := &Page{ctx: ctx, allowed: allowed}
	if err := chromedp.Listen(ctx, p.record); err != nil {
		t.Fatalf("listen: %v", err)
	}
	if err := p.do(15*time.Second, chromedp.Navigate(pageURL)); err != nil {
		t.Fatalf("open %s: %v", pageURL, err)
	}
	return p
}

func (p *Page) record(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		if e.Request == nil {
			return
		}
		p.requests = append(p.requests, e.Request.URL)
		if !p.allowed(e.Request.URL) {
			p.outside = append(p.outside, e.Request.URL)
		}
	default:
		if m, ok := consoleError(ev); ok {
			p.errors = append(p.errors, m)
		}
	}
}

func (p *Page) do(limit time.Duration, steps ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(p.ctx, limit)
	defer cancel()
	return chromedp.Do(ctx, steps...)
}

// Eval evaluates a JavaScript expression in the page and decodes its value (JSON) into T.
func Eval[T any](t testing.TB, p *Page, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", short(expr), err)
	}
	return v
}

// Wait polls a JavaScript expression until it is truthy, failing the test after limit with what
// describe (an expression, may be "") says about the page.
func (p *Page) Wait(t testing.TB, expr string, limit time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, limit+time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(limit), chromedp.WithPollingInterval(100*time.Millisecond)))
	if err != nil {
		t.Fatalf("waiting %s for %s: %v; console errors: %q", limit, short(expr), err, p.Errors())
	}
}

// Screenshot writes a PNG of the whole page to path, in 256 colours (small enough to commit).
func (p *Page) Screenshot(t testing.TB, path string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	png, err := compact(shot)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	return png
}

// Errors are the console errors, uncaught exceptions and browser log errors so far.
func (p *Page) Errors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errors...)
}

// Requests are the URLs the page requested so far.
func (p *Page) Requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.requests...)
}

// Outside are the requested URLs that allowed refused.
func (p *Page) Outside() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.outside...)
}

// Check fails the test for every console error and every request outside what the page may reach.
func (p *Page) Check(t testing.TB) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.errors {
		t.Errorf("console: %s", e)
	}
	for _, u := range p.outside {
		t.Errorf("request outside what the page may reach: %s", u)
	}
	if len(p.requests) == 0 {
		t.Error("no request recorded at all: the recorder is not working")
	}
}

func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		return s[:117] + "..."
	}
	return s
}

// errorf formats one console problem.
func errorf(kind, text, where string) string {
	if where != "" {
		return fmt.Sprintf("%s: %s (%s)", kind, text, where)
	}
	return kind + ": " + text
}
