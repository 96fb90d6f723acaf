package gateway

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"testing"
)

// FuzzChunkedBody: any bytes as an unsigned aws-chunked body with a trailer. The verifier never
// panics; what it accepts it passes on unchanged, and S3's own reading of those bytes (split at
// CRLF, as fauxqs decodes them) finds chunks of the same total length as x-amz-decoded-content-length:
// the data stored is the data checked (a chunk header ending in a bare LF once parted the two).
func FuzzChunkedBody(f *testing.F) {
	f.Add([]byte("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"), int64(5))
	f.Add([]byte("5\nhello\r\n0\r\n\r\n"), int64(5))
	f.Add([]byte("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"), int64(5)) // refused: a chunk under 8 KiB before another
	f.Add([]byte("2000\r\n"+strings.Repeat("a", 8192)+"\r\n2\r\nde\r\n0\r\n\r\n"), int64(8194))
	f.Fuzz(func(t *testing.T, body []byte, decoded int64) {
		if decoded < 0 {
			return // refused before a verifier is made
		}
		c := &chunkVerifier{src: bytes.NewReader(body), unsigned: true, trailer: true, wantDecoded: decoded}
		out, err := io.ReadAll(c)
		if err != nil {
			return
		}
		if !bytes.Equal(out, body) {
			t.Fatalf("accepted %q and passed on %q", body, out)
		}
		if n, ok := crlfDecodedLength(body); !ok || n != decoded {
			t.Fatalf("accepted %q as %d bytes of data; split at CRLF it is %d (ok %v)", body, decoded, n, ok)
		}
	})
}

// crlfDecodedLength reads an aws-chunked body as S3 (fauxqs) does, each line up to its CRLF: the total of its
// chunks' sizes up to the final, empty one.
func crlfDecodedLength(b []byte) (int64, bool) {
	var total int64
	for {
		i := bytes.Index(b, []byte("\r\n"))
		if i < 0 {
			return 0, false
		}
		sizeText, _, _ := bytes.Cut(b[:i], []byte(";")) // fauxqs 1.9: sizeLine.split(";")[0]
		size, err := strconv.ParseInt(string(sizeText), 16, 64)
		if err != nil || size < 0 {
			return 0, false
		}
		b = b[i+2:]
		if size == 0 {
			return total, true
		}
		if int64(len(b)) < size+2 || string(b[size:size+2]) != "\r\n" {
			return 0, false
		}
		total += size
		b = b[size+2:]
	}
}
