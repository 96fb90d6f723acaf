package publish

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// DateLayout is the seed's submissionDate format, Python's "%d-%b-%Y %H:%M:%S".
const DateLayout = "02-Jan-2006 15:04:05"

// Author is what the seed's publisher writes in every document.
const Author = "the_publisher.py"

// symbolSpace is the number of distinct 4-letter upper-case symbols (26^4).
const symbolSpace = 26 * 26 * 26 * 26

// symbolStride walks the symbol space as a permutation: it is coprime with
// 26^4 = 2^4·13^4 (odd, not a multiple of 13), so n ↦ (stride·n + offset) mod 26^4
// never repeats for n < 26^4. That makes symbols unique per run, as the seed's
// are, without remembering the ones already used.
const symbolStride = 7919

// MaxDocuments is the largest count a run can have with unique symbols.
const MaxDocuments = symbolSpace

// Document is one generated upload.
type Document struct {
	N         int    // messageId, from 1
	Key       string // S3 key
	Name      string // objectName, the key's base name
	Symbol    string
	Body      []byte
	Malformed bool
}

// body is the seed's document; field order matches the seed's output.
type body struct {
	Symbol         string  `json:"symbol"`
	MessageID      int     `json:"messageId"`
	Value          int     `json:"value"`
	ObjectName     string  `json:"objectName"`
	SubmissionDate string  `json:"submissionDate"`
	Author         string  `json:"author"`
	Version        float64 `json:"version"`
}

// Generator produces the documents of one run. The same seed, run id and
// share give the same symbols, values and malformed documents.
type Generator struct {
	prefix    string
	runID     string
	malformed float64
	rng       *rand.Rand
	offset    int
	n         int
	now       func() time.Time
}

// NewGenerator returns a generator for keys prefix+runID+"-data_object_msg-<n>.json".
// malformed is the share of malformed documents in [0, 1]. now stamps
// submissionDate (nil: time.Now).
func NewGenerator(prefix, runID string, seed uint64, malformed float64, now func() time.Time) *Generator {
	if now == nil {
		now = time.Now
	}
	rng := rand.New(rand.NewPCG(seed, 0x636861_6f736c6162)) // "chaoslab"
	return &Generator{prefix: prefix, runID: runID, malformed: malformed, rng: rng, offset: rng.IntN(symbolSpace), now: now}
}

// Next returns the next document.
func (g *Generator) Next() Document {
	g.n++
	n := g.n
	name := fmt.Sprintf("data_object_msg-%d.json", n)
	if g.runID != "" {
		name = g.runID + "-" + name
	}
	d := Document{N: n, Key: g.prefix + name, Name: name, Symbol: symbol(n, g.offset)}
	// Draw both numbers every time so the malformed choice does not shift the values.
	value := 1 + g.rng.IntN(100)
	d.Malformed = g.rng.Float64() < g.malformed
	b, err := json.Marshal(body{
		Symbol: d.Symbol, MessageID: n, Value: value, ObjectName: name,
		SubmissionDate: g.now().UTC().Format(DateLayout), Author: Author, Version: 1.1,
	})
	if err != nil { // a struct of strings and numbers always marshals
		panic(err)
	}
	if d.Malformed {
		b = []byte(strings.Replace(string(b), `"`, "", 1))
	}
	d.Body = b
	return d
}

func symbol(n, offset int) string {
	i := (symbolStride*n + offset) % symbolSpace
	var s [4]byte
	for k := 3; k >= 0; k-- {
		s[k] = byte('A' + i%26)
		i /= 26
	}
	return string(s[:])
}
