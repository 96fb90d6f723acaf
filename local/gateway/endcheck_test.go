package gateway

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// A body checked as it streams passes on every byte once its check holds, whatever the reads'
// sizes; when the check fails, its last byte is never passed on, so an emulator reading the
// declared length never has the whole body (under load it answered 200 to a body whose hash did not
// match before the check's error ended the upload).
func TestEndCheckHoldsTheLastByteUntilTheCheck(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 1000)
	sum := sha256.Sum256(data)
	right, wrong := hex.EncodeToString(sum[:]), hex.EncodeToString(make([]byte, 32))
	readers := map[string]func(io.Reader) io.Reader{
		"whole":     func(r io.Reader) io.Reader { return r },
		"one byte":  iotest.OneByteReader,
		"half":      iotest.HalfReader,
		"data, EOF": iotest.DataErrReader,
	}
	// The body as the client's connection gives it (src), read by the proxy in its buffers, or a
	// byte at a time.
	for name, wrap := range readers {
		for reader, read := range map[string]func(io.Reader) io.Reader{"in buffers": func(r io.Reader) io.Reader { return r }, "a byte at a time": iotest.OneByteReader} {
			got, err := io.ReadAll(read(payloadCheck(wrap(bytes.NewReader(data)), right)))
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("%s, read %s, the right hash: %d bytes, %v; want all %d", name, reader, len(got), err, len(data))
			}
			// What the proxy sends for a declared length: that many bytes, then a read for more.
			got, err = io.ReadAll(io.LimitReader(read(payloadCheck(wrap(bytes.NewReader(data)), wrong)), int64(len(data))))
			if len(got) >= len(data) {
				t.Errorf("%s, read %s, a wrong hash: %d of %d bytes passed on, %v; want fewer", name, reader, len(got), len(data), err)
			}
			_, err = io.ReadAll(read(payloadCheck(wrap(bytes.NewReader(data)), wrong)))
			var ae *authError
			if !errors.As(err, &ae) || ae.kind != failHashMismatch {
				t.Errorf("%s, read %s, a wrong hash: %v, want the mismatch", name, reader, err)
			}
		}
	}
	// A body of no bytes, and of one.
	for _, b := range [][]byte{nil, []byte("x")} {
		s := sha256.Sum256(b)
		if got, err := io.ReadAll(iotest.OneByteReader(payloadCheck(bytes.NewReader(b), hex.EncodeToString(s[:])))); err != nil || !bytes.Equal(got, b) {
			t.Errorf("body %q: %q, %v", b, got, err)
		}
	}
}
