package gateway

import (
	"net/http"
	"testing"
)

// A HEAD's Range is read as the emulator reads a GET's (checked by hand against it): the same
// 206, 416 and ignored ranges.
func TestByteRange(t *testing.T) {
	for _, tc := range []struct {
		spec        string
		size        int64
		first, last int64
		status      int
	}{
		{"bytes=0-3", 10, 0, 3, http.StatusPartialContent},
		{"bytes=2-4", 10, 2, 4, http.StatusPartialContent},
		{"bytes=7-", 10, 7, 9, http.StatusPartialContent},
		{"bytes=-3", 10, 7, 9, http.StatusPartialContent},
		{"bytes=-30", 10, 0, 9, http.StatusPartialContent},
		{"bytes=3-100", 10, 3, 9, http.StatusPartialContent},
		{"bytes=20-30", 10, 0, 0, http.StatusRequestedRangeNotSatisfiable},
		{"bytes=10-", 10, 0, 0, http.StatusRequestedRangeNotSatisfiable},
		{"bytes=-0", 10, 0, 0, http.StatusRequestedRangeNotSatisfiable},
		{"bytes=0-0", 0, 0, 0, http.StatusRequestedRangeNotSatisfiable},
		{"bytes=5-2", 10, 0, 0, http.StatusOK},
		{"bytes=0-1,4-5", 10, 0, 0, http.StatusOK},
		{"items=0-3", 10, 0, 0, http.StatusOK},
		{"bytes=a-3", 10, 0, 0, http.StatusOK},
		{"bytes=+1-3", 10, 0, 0, http.StatusOK},
		{"bytes=-", 10, 0, 0, http.StatusOK},
		{"bytes=3", 10, 0, 0, http.StatusOK},
	} {
		first, last, status := byteRange(tc.spec, tc.size)
		if status != tc.status || status == http.StatusPartialContent && (first != tc.first || last != tc.last) {
			t.Errorf("byteRange(%q, %d) = %d-%d %d, want %d-%d %d", tc.spec, tc.size, first, last, status, tc.first, tc.last, tc.status)
		}
	}
}
