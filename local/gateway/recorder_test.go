package gateway

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// Both recorders keep the first final status, not an interim 1xx, and say 200 when nothing set one.
func TestRecordersKeepTheFinalStatus(t *testing.T) {
	tests := []struct {
		name   string
		writes func(w http.ResponseWriter)
		want   int
	}{
		{"nothing written", func(http.ResponseWriter) {}, http.StatusOK},
		{"a body only", func(w http.ResponseWriter) { w.Write([]byte("x")) }, http.StatusOK},
		{"100 Continue, then 403", func(w http.ResponseWriter) { w.WriteHeader(100); w.WriteHeader(403) }, 403},
		{"the first of two", func(w http.ResponseWriter) { w.WriteHeader(404); w.WriteHeader(200) }, 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := NewStatusRecorder(httptest.NewRecorder())
			tc.writes(rec)
			buf := NewResponseBuffer()
			tc.writes(buf)
			if rec.Status() != tc.want || buf.Status() != tc.want {
				t.Errorf("StatusRecorder %d, ResponseBuffer %d, want %d", rec.Status(), buf.Status(), tc.want)
			}
		})
	}
	t.Run("a buffered response is sent as it was kept", func(t *testing.T) {
		buf := NewResponseBuffer()
		buf.Header().Set("X-Amzn-Requestid", "r1")
		buf.WriteHeader(http.StatusBadRequest)
		buf.Write([]byte(`{"__type":"QueueDoesNotExist"}`))
		w := httptest.NewRecorder()
		buf.SendTo(w)
		if w.Code != 400 || w.Header().Get("X-Amzn-Requestid") != "r1" || w.Header().Get("Content-Length") != "30" || w.Body.String() != `{"__type":"QueueDoesNotExist"}` {
			t.Errorf("sent %d %v %q", w.Code, w.Header(), w.Body.String())
		}
	})
}
