// Package uuid makes the random (version 4) UUIDs the local cloud's services hand out as ids, in
// the lowercase 8-4-4-4-12 form AWS uses for Lambda request ids, SNS message ids and Step
// Functions execution names.
package uuid

import (
	"crypto/rand"
	"encoding/hex"
)

// New returns a random version 4, RFC 9562 variant UUID, e.g. 3f2b8c1e-5d4a-4b7e-9c1f-0a2b3c4d5e6f.
func New() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
