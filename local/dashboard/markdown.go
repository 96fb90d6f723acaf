package dashboard

import (
	"bytes"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// md renders text widgets: CommonMark with GitHub's tables, strikethrough and autolinks (what the
// console's text widget draws). Raw HTML is left out (goldmark's default), and images are drawn
// as their alt text: the page loads nothing from outside 127.0.0.1.
var md = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(imagesAsText{}, 0))),
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
