package tally

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/publish"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/subscribe"
)

func TestReconcile(t *testing.T) {
	in := func(names ...string) []string {
		for i, n := range names {
			names[i] = "input/" + n + ".json"
		}
		return names
	}
	out := func(names ...string) []string {
		for i, n := range names {
			names[i] = "output/" + n + ".json.csv"
		}
		return names
	}
	j := func(names ...string) []string {
		for i := range names {
			names[i] += ".json"
		}
		return names
	}
	tests := []struct {
		name string
		in   Input
		want Report
	}{
		{
			name: "resilient: all converted, malformed in error queue",
			in:   Input{Published: in("a", "b", "c"), Malformed: in("c"), Converted: out("a", "b"), InErrorQueue: in("c")},
			want: Report{Published: 3, Converted: 2, InErrorQueue: 1, Lost: 0},
		},
		{
			name: "flawed: silent loss",
			in:   Input{Published: in("a", "b", "c", "d"), Converted: out("a"), InErrorQueue: in("b")},
			want: Report{Published: 4, Converted: 1, InErrorQueue: 1, Lost: 2, LostKeys: j("c", "d"), WellFormedInErrorQueue: j("b")},
		},
		{
			name: "converted and redriven counts once, as converted",
			in:   Input{Published: in("a"), Converted: out("a"), InErrorQueue: in("a")},
			want: Report{Published: 1, Converted: 1, Both: j("a")},
		},
		{
			name: "malformed converted is a validation hole",
			in:   Input{Published: in("a"), Malformed: in("a"), Converted: out("a")},
			want: Report{Published: 1, Converted: 1, MalformedConverted: j("a")},
		},
		{
			name: "another run's documents are not this run's",
			in:   Input{Published: in("a"), Converted: out("a", "x"), InErrorQueue: in("y", "x")},
			want: Report{Published: 1, Converted: 1, Unpublished: j("x", "y")},
		},
		{
			name: "duplicate keys count once",
			in:   Input{Published: append(in("a"), "input/a.json"), Converted: append(out("a"), "output/a.json.csv")},
			want: Report{Published: 1, Converted: 1},
		},
		{
			name: "nothing",
			in:   Input{},
			want: Report{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Reconcile(tt.in)
			for _, p := range []*[]string{&tt.want.LostKeys, &tt.want.UnaccountedKeys, &tt.want.Both, &tt.want.MalformedConverted, &tt.want.WellFormedInErrorQueue, &tt.want.Unpublished} {
				if *p == nil {
					*p = []string{}
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
			if got.Converted+got.InErrorQueue+got.Lost != got.Published {
				t.Fatalf("converted+in error queue+lost = %d, published %d", got.Converted+got.InErrorQueue+got.Lost, got.Published)
			}
			// Queues not read to their end: the lost are unaccounted, and still add up.
			lost, keys := got.Lost, fmt.Sprint(got.LostKeys)
			got.NotReadToEnd()
			if got.Lost != 0 || len(got.LostKeys) != 0 || got.Unaccounted != lost || fmt.Sprint(got.UnaccountedKeys) != keys {
				t.Errorf("NotReadToEnd: lost %d %v, unaccounted %d %v; want 0 lost, %d unaccounted %s", got.Lost, got.LostKeys, got.Unaccounted, got.UnaccountedKeys, lost, keys)
			}
		})
	}
}

// The drivers' summaries are reconciled by their keys: the subscriber's error documents count as
// in the error queue.
func TestReconcileSummaries(t *testing.T) {
	pub := publish.Summary{Keys: []string{"input/a.json", "input/b.json", "input/c.json"}, MalformedKeys: []string{"input/c.json"}}
	sub := subscribe.Summary{Keys: []string{"output/a.json.csv"}, ErrorDocuments: []subscribe.ErrorDocument{{Key: "input/c.json"}}}
	got := ReconcileSummaries(pub, sub)
	if got.Published != 3 || got.Converted != 1 || got.InErrorQueue != 1 || got.Lost != 1 || !reflect.DeepEqual(got.LostKeys, []string{"b.json"}) {
		t.Fatalf("report %+v, want 3 published: a converted, c in the error queue, b lost", got)
	}
}
