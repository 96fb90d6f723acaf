// Package tally reconciles the publisher's and the subscriber's summaries
// document by document: of what was published, how much was converted,
// how much is in the error queue, and how much is lost
// (lost = published − converted − in error queue, by key).
package tally

import (
	"sort"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/publish"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/subscribe"
)

// Input holds keys as the drivers report them; any of input/<name>,
// output/<name>.csv or a bare <name> is accepted.
type Input struct {
	Published    []string // every key uploaded (publish.Summary.Keys)
	Malformed    []string // the malformed ones among them
	Converted    []string // CSV keys the subscriber counted (subscribe.Summary.Keys)
	InErrorQueue []string // document keys found in the error queue
}

// Report is the reconciliation. Every published document is counted in
// exactly one of Converted, InErrorQueue and Lost (a document both converted
// and in the error queue counts as converted, and is listed in Both).
type Report struct {
	Published    int `json:"published"`
	Converted    int `json:"converted"`
	InErrorQueue int `json:"in_error_queue"`
	Lost         int `json:"lost"`
	// LostKeys are published documents neither converted nor in the error queue.
	LostKeys []string `json:"lost_keys"`
	// Unaccounted are the documents that would be lost had the queues been read to their end, when
	// they were not (NotReadToEnd): not known to be lost. Lost is then 0.
	Unaccounted     int      `json:"unaccounted,omitempty"`
	UnaccountedKeys []string `json:"unaccounted_keys,omitempty"`
	// Both were converted and also reached the error queue (a retry after a
	// success that was not reported, e.g. a timeout after the write).
	Both []string `json:"converted_and_in_error_queue"`
	// MalformedConverted are malformed documents that came out as CSV: a
	// validation hole in the function.
	MalformedConverted []string `json:"malformed_converted"`
	// WellFormedInErrorQueue are good documents that ended in the error queue:
	// not lost, but not processed either.
	WellFormedInErrorQueue []string `json:"well_formed_in_error_queue"`
	// Unpublished are converted or error-queue documents this run did not
	// publish (another run's, or a subscriber without a run-id filter).
	Unpublished []string `json:"unpublished"`
}

func set(keys []string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[subscribe.DocumentName(k)] = true
	}
	return m
}

// Reconcile matches the keys by document name. Lists are sorted and never nil.
func Reconcile(in Input) Report {
	pub, mal, conv, errq := set(in.Published), set(in.Malformed), set(in.Converted), set(in.InErrorQueue)
	r := Report{Published: len(pub), LostKeys: []string{}, UnaccountedKeys: []string{}, Both: []string{}, MalformedConverted: []string{},
		WellFormedInErrorQueue: []string{}, Unpublished: []string{}}
	for d := range pub {
		switch {
		case conv[d]:
			r.Converted++
			if errq[d] {
				r.Both = append(r.Both, d)
			}
			if mal[d] {
				r.MalformedConverted = append(r.MalformedConverted, d)
			}
		case errq[d]:
			r.InErrorQueue++
			if !mal[d] {
				r.WellFormedInErrorQueue = append(r.WellFormedInErrorQueue, d)
			}
		default:
			r.Lost++
			r.LostKeys = append(r.LostKeys, d)
		}
	}
	for _, m := range []map[string]bool{conv, errq} {
		for d := range m {
			if !pub[d] {
				r.Unpublished = append(r.Unpublished, d)
			}
		}
	}
	for _, l := range [][]string{r.LostKeys, r.Both, r.MalformedConverted, r.WellFormedInErrorQueue} {
		sort.Strings(l)
	}
	r.Unpublished = uniqSorted(r.Unpublished)
	return r
}

// NotReadToEnd turns the lost documents into unaccounted ones: the queues were not read to their
// end (an interrupt, a give-up), so a document not found may still be in them. The caller's
// verdict is then no verdict of loss.
func (r *Report) NotReadToEnd() {
	r.Unaccounted, r.UnaccountedKeys = r.Unaccounted+r.Lost, append(r.UnaccountedKeys, r.LostKeys...)
	r.Lost, r.LostKeys = 0, []string{}
}

// ReconcileSummaries reconciles one run from the drivers' own summaries: the publisher's keys
// and malformed keys, the subscriber's converted keys and the documents it found in the error queue.
func ReconcileSummaries(pub publish.Summary, sub subscribe.Summary) Report {
	inErr := make([]string, len(sub.ErrorDocuments))
	for i, d := range sub.ErrorDocuments {
		inErr[i] = d.Key
	}
	return Reconcile(Input{Published: pub.Keys, Malformed: pub.MalformedKeys, Converted: sub.Keys, InErrorQueue: inErr})
}

func uniqSorted(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
