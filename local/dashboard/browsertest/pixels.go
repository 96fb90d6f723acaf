package browsertest

import (
	"fmt"
	"testing"
)

// Pixels are the colours (red, green, blue) of a row of pixels on a chart's canvas.
type Pixels [][3]int

// ChartPixels reads nine pixels of the chart ChaosDash.charts[chart], in a row centred on the
// time at (seconds since the epoch, the x scale) at canvas row y, a JavaScript expression that
// may use u (the uPlot chart) and b (its plotting box), such as `b.top + 2` or
// `u.valToPos(-5, "y", true)`.
func ChartPixels(t testing.TB, p *Page, chart string, at float64, y string) Pixels {
	t.Helper()
	raw := Eval[[]int](t, p, fmt.Sprintf(`(() => { const u = ChaosDash.charts[%q], b = u.bbox;
		return [...u.ctx.getImageData(Math.round(u.valToPos(%v, "x", true)) - 4, Math.round(%s), 9, 1).data]; })()`, chart, at, y))
	if len(raw) != 9*4 {
		t.Fatalf("chart %s: read %d bytes of pixels, want 36", chart, len(raw))
	}
	px := make(Pixels, 9)
	for i := range px {
		px[i] = [3]int{raw[4*i], raw[4*i+1], raw[4*i+2]}
	}
	return px
}

// Mostly reports whether all but at most two of the pixels are what is says. A chart's time
// axis draws its grid lines (neutral grey) over the shading, where the wall clock puts them, so
// a single pixel may land on one; a row of nine is mostly the shading or not.
func (px Pixels) Mostly(is func(r, g, b int) bool) bool {
	n := 0
	for _, c := range px {
		if is(c[0], c[1], c[2]) {
			n++
		}
	}
	return len(px) > 2 && n >= len(px)-2
}

// Red, Green and Neutral are the tints the charts' tests look for: a fault window's shading, a
// tolerance band's, and none.
func Red(r, g, b int) bool     { return r > g+15 && r > b+15 }
func Green(r, g, b int) bool   { return g > r+10 && g > b+10 }
func Neutral(r, g, b int) bool { return r == g && g == b }
