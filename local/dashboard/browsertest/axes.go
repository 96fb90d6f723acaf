package browsertest

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Viewport sets the page's viewport to width × height CSS pixels (the charts follow their boxes).
func (p *Page) Viewport(t testing.TB, width, height int64) {
	t.Helper()
	if err := p.do(10*time.Second, chromedp.EmulateViewport(width, height)); err != nil {
		t.Fatalf("viewport %d×%d: %v", width, height, err)
	}
}

// Press types keys (chromedp's kb names: kb.Tab, kb.ArrowRight, ...) as the keyboard does, into the
// element that has the focus.
func (p *Page) Press(t testing.TB, keys string) {
	t.Helper()
	if err := p.do(10*time.Second, chromedp.KeyEvent(keys)); err != nil {
		t.Fatalf("press %q: %v", keys, err)
	}
}

// TickLabels are the time axis' labels of every chart (ChaosDash.charts), as drawn: each label's
// text and its box's left and right edges on the canvas, in CSS pixels (the label is centred on
// its tick and as wide as the axis font makes it).
func TickLabels(t testing.TB, p *Page) map[string][]Label {
	t.Helper()
	return Eval[map[string][]Label](t, p, `(() => { const out = {}, c = document.createElement("canvas").getContext("2d");
		for (const [id, u] of Object.entries(ChaosDash.charts)) {
			const a = u.axes[0], px = devicePixelRatio;
			c.font = a.font[0];
			out[id] = (a._splits || []).map((s, i) => { const x = u.valToPos(s, "x"), w = c.measureText(String(a._values[i])).width / px;
				return {text: String(a._values[i]), left: x - w / 2, right: x + w / 2}; })
				.filter(l => l.right > 0 && l.left < u.bbox.width / px);
		}
		return out; })()`)
}

// ValueLabels are the value axes' labels of every chart (ChaosDash.charts), as drawn: for each
// chart, each vertical axis' labels (its scale, "y" or "y2", then its labels), each label's text and
// its box's left and right edges on the canvas, in CSS pixels, and Width, the canvas' width. A
// label whose Left is below 0 or whose Right is past Width is cut off at the chart's edge. uPlot
// draws a left axis' labels ending tick and gap short of the axis' inner edge (axis._pos), a
// right axis' starting tick and gap past it.
func ValueLabels(t testing.TB, p *Page) map[string]ValueAxes {
	t.Helper()
	return Eval[map[string]ValueAxes](t, p, `(() => { const out = {}, c = document.createElement("canvas").getContext("2d");
		for (const [id, u] of Object.entries(ChaosDash.charts)) {
			const axes = {}, px = devicePixelRatio;
			for (const a of u.axes) {
				if (a.side !== 1 && a.side !== 3 || !a._show) continue;
				c.font = a.font[0];
				const inset = (a.ticks.show ? a.ticks.size : 0) + a.gap;
				axes[a.scale] = (a._values || []).filter(v => v != null).map(v => { const w = c.measureText(String(v)).width / px;
					const left = a.side === 3 ? a._pos - inset - w : a._pos + inset;
					return {text: String(v), left: left, right: left + w}; });
			}
			out[id] = {width: u.width, axes: axes};
		}
		return out; })()`)
}

// ValueAxes are one chart's value-axis labels (ValueLabels), by scale, and its canvas' width in
// CSS pixels.
type ValueAxes struct {
	Width float64
	Axes  map[string][]Label
}

// Label is a tick label's text and where its box spans on the canvas, in CSS pixels.
type Label struct {
	Text        string
	Left, Right float64
}

// Crowded are the labels of ls closer than gap CSS pixels to the one after them (overlapping
// when gap is 0), in pairs: labels that touch read as one ("02:47:3002:47:40").
func Crowded(ls []Label, gap float64) [][2]Label {
	var out [][2]Label
	for i := 1; i < len(ls); i++ {
		if ls[i].Left-ls[i-1].Right < gap {
			out = append(out, [2]Label{ls[i-1], ls[i]})
		}
	}
	return out
}

// Contrast is the WCAG contrast ratio of each element matching selector: its computed text
// colour against the first opaque background among it and its ancestors (white if none).
func Contrast(t testing.TB, p *Page, selector string) []float64 {
	t.Helper()
	return Eval[[]float64](t, p, fmt.Sprintf(`(() => {
		const rgb = s => (s.match(/[\d.]+/g) || []).map(Number);
		const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
			return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
		return [...document.querySelectorAll(%q)].map(e => {
			let bg = [255, 255, 255];
			for (let a = e; a; a = a.parentElement) { const c = rgb(getComputedStyle(a).backgroundColor); if (c.length === 3 || c[3] > 0) { bg = c; break; } }
			const l1 = lum(rgb(getComputedStyle(e).color)), l2 = lum(bg);
			return (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05); }); })()`, selector))
}
