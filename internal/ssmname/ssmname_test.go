package ssmname

import "testing"

// A selector is cut only where the operation reads one, so a ':' in a written name stays in it.
func TestParse(t *testing.T) {
	const arn = "arn:aws:ssm:us-east-1:000000000000:parameter/"
	tests := []struct {
		member   string
		form     Form
		want     Ref
		resource string
	}{
		{"/a/b", Plain, Ref{Name: "/a/b"}, arn + "a/b"},
		{"  /a/b ", Plain, Ref{Name: "/a/b"}, arn + "a/b"},
		{"/a/b:evil", Plain, Ref{Name: "/a/b:evil"}, arn + "a/b:evil"},
		{arn + "a", Plain, Ref{Name: arn + "a"}, arn + "arn:aws:ssm:us-east-1:000000000000:parameter/a"},
		{"/a/b:3", NameOrARN, Ref{Name: "/a/b:3"}, arn + "a/b:3"},
		{arn + "a/b", NameOrARN, Ref{ARN: arn + "a/b"}, arn + "a/b"},
		{"/a/b:3", Selectable, Ref{Name: "/a/b", Selector: "3", Selected: true}, arn + "a/b"},
		{"a:", Selectable, Ref{Name: "a", Selected: true}, arn + "a"},
		{arn + "a/b:prod", Selectable, Ref{ARN: arn + "a/b", Selector: "prod", Selected: true}, arn + "a/b"},
		{"arn:aws:s3:::bucket", Selectable, Ref{ARN: "arn:aws:s3:::bucket"}, "arn:aws:s3:::bucket"},
	}
	for _, tt := range tests {
		got := Parse(tt.member, tt.form)
		if got != tt.want || got.Resource("us-east-1", "000000000000") != tt.resource {
			t.Errorf("Parse(%q, %d) = %+v (%s), want %+v (%s)", tt.member, tt.form, got, got.Resource("us-east-1", "000000000000"), tt.want, tt.resource)
		}
	}
}
