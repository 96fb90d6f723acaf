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
// share give the same symbols, values and malformed documents; the malformed
// ones are spread evenly (Next).
type Generator struct {
	prefix    string
	runID     string
	malformed float64
	rng       *rand.Rand
	offset    int
	n         int
	due       float64 // the share accrued since the last malformed document, from a seeded phase
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
	g := &Generator{prefix: prefix, runID: runID, malformed: malformed, rng: rng, offset: rng.IntN(symbolSpace), now: now}
	g.due = rng.Float64()
	return g
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
	value := 1 + g.rng.IntN(100)
	// Malformed documents are spread evenly: one each time the share adds up to a whole document,
	// from a phase drawn from the seed, so any 1/share documents in a row hold one. (A draw per
	// document clustered them: exp_1 flawed's seed put six of its first 200 documents between the
	// 107th and the 189th, and a steady-state window that held them read 5.9 % errors before the
	// fault, against a tolerance of 5.)
	g.due += g.malformed
	if d.Malformed = g.due >= 1; d.Malformed {
		g.due--
	}
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
