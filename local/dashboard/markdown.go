package dashboard

import (
	"bytes"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// md renders text widgets: CommonMark with GitHub's tables, strikethrough and autolinks (what the
// console's text widget draws). Raw HTML is left out (goldmark's default), images are drawn as
// their alt text (the page loads nothing from outside 127.0.0.1), and a link is a link only to
// http, https, mailto or a relative address (goldmark's own check misses `<javascript:...>` and
// `[x](&#106;avascript:...)`; a report allows inline script, so such a link would run).
var md = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(imagesAsText{}, 0), util.Prioritized(safeLinks{}, 0))),
)

// Markdown renders a text widget's markdown to HTML that is safe to insert in the page.
func Markdown(src string) string {
	var b bytes.Buffer
	if err := md.Convert([]byte(src), &b); err != nil {
		return "<p>markdown: " + err.Error() + "</p>"
	}
	return b.String()
}

type imagesAsText struct{}

func (imagesAsText) RegisterFuncs(r renderer.NodeRendererFuncRegisterer) {
	r.Register(ast.KindImage, func(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			w.WriteString(`<span class="cd-image">[image: `)
		} else {
			w.WriteString(`]</span>`)
		}
		return ast.WalkContinue, nil
	})
}

// safeLinks renders links and autolinks whose address, as the browser reads it, is http, https,
// mailto or relative; any other is drawn as its text.
type safeLinks struct{}

func (safeLinks) RegisterFuncs(r renderer.NodeRendererFuncRegisterer) {
	r.Register(ast.KindLink, func(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
		n := node.(*ast.Link)
		href := util.URLEscape(n.Destination, true) // entities resolved: what the browser follows
		if !safeURL(href) {
			return ast.WalkContinue, nil // the link's text only
		}
		if !entering {
			w.WriteString("</a>")
			return ast.WalkContinue, nil
		}
		w.WriteString(`<a href="`)
		w.Write(util.EscapeHTML(href))
		if n.Title != nil {
			w.WriteString(`" title="`)
			w.Write(util.EscapeHTML(n.Title))
		}
		w.WriteString(`">`)
		return ast.WalkContinue, nil
	})
	r.Register(ast.KindAutoLink, func(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
		n := node.(*ast.AutoLink)
		if !entering {
			return ast.WalkContinue, nil
		}
		url, label := n.URL(source), n.Label(source)
		if n.AutoLinkType == ast.AutoLinkEmail && !bytes.HasPrefix(bytes.ToLower(url), []byte("mailto:")) {
			url = append([]byte("mailto:"), url...)
		}
		href := util.URLEscape(url, false)
		if !safeURL(href) {
			w.Write(util.EscapeHTML(label))
			return ast.WalkContinue, nil
		}
		w.WriteString(`<a href="`)
		w.Write(util.EscapeHTML(href))
		w.WriteString(`">`)
		w.Write(util.EscapeHTML(label))
		w.WriteString(`</a>`)
		return ast.WalkContinue, nil
	})
}

// safeURL reports whether href is relative or http, https or mailto. The browser drops leading
// spaces and control characters, and a scheme is what comes before a ':' that precedes any '/',
// '?' or '#'.
func safeURL(href []byte) bool {
	u := strings.TrimLeftFunc(string(href), func(r rune) bool { return r <= ' ' })
	i := strings.IndexAny(u, ":/?#")
	if i < 0 || u[i] != ':' {
		return true // relative
	}
	switch strings.ToLower(u[:i]) {
	case "http", "https", "mailto":
		return true
	}
	return false
}
