package sqstask

import "testing"

func TestHandleNamesItsSource(t *testing.T) {
	const src = "arn:aws:sqs:us-east-1:000000000000:errors"
	if got := Source(Handle("7", src)); got != src {
		t.Errorf("Source(Handle) = %q, want %q", got, src)
	}
	for _, bad := range []string{"", "not base64!", "bm90IGpzb24=" /* "not json" */} {
		if got := Source(bad); got != "" {
			t.Errorf("Source(%q) = %q, want nothing", bad, got)
		}
	}
}
