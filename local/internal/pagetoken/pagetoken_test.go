package pagetoken

import "testing"

func TestAfterAndLast(t *testing.T) {
	tok := After("DescribeParameters", "/a/b")
	if last, ok := Last(tok, "DescribeParameters"); !ok || last != "/a/b" {
		t.Errorf("Last of its own listing: %q %v", last, ok)
	}
	for _, tc := range []struct{ token, listing string }{
		{tok, "GetParameterHistory"}, // another listing's
		{"not base64!", "DescribeParameters"},
		{"", "DescribeParameters"},
	} {
		if last, ok := Last(tc.token, tc.listing); ok {
			t.Errorf("Last(%q, %s) = %q, want it refused", tc.token, tc.listing, last)
		}
	}
}
