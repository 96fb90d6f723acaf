package s3events

import "testing"

func TestMatchesAndEncodeKey(t *testing.T) {
	in := &Filter{Key: KeyFilter{FilterRules: []FilterRule{{Name: "prefix", Value: "input/"}, {Name: "Suffix", Value: ".json"}}}}
	tests := []struct {
		name   string
		events []string
		filter *Filter
		event  string
		key    string
		want   bool
	}{
		{name: "wildcard created, both rules", events: []string{"s3:ObjectCreated:*"}, filter: in, event: "ObjectCreated:Put", key: "input/a.json", want: true},
		{name: "copy matches wildcard", events: []string{"s3:ObjectCreated:*"}, filter: in, event: "ObjectCreated:Copy", key: "input/a.json", want: true},
		{name: "exact event only", events: []string{"s3:ObjectCreated:Put"}, filter: nil, event: "ObjectCreated:CompleteMultipartUpload", key: "x", want: false},
		{name: "removed is not created", events: []string{"s3:ObjectCreated:*"}, filter: nil, event: "ObjectRemoved:Delete", key: "x", want: false},
		{name: "prefix fails", events: []string{"s3:ObjectCreated:*"}, filter: in, event: "ObjectCreated:Put", key: "output/a.json", want: false},
		{name: "suffix fails", events: []string{"s3:ObjectCreated:*"}, filter: in, event: "ObjectCreated:Put", key: "input/a.csv", want: false},
		{name: "no filter", events: []string{"s3:ObjectRemoved:*"}, filter: nil, event: "ObjectRemoved:Delete", key: "any", want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := matches(tc.events, tc.filter, tc.event, tc.key); got != tc.want {
				t.Errorf("matches = %v, want %v", got, tc.want)
			}
		})
	}
	keys := []struct{ name, key, want string }{
		{name: "plain", key: "input/a.json", want: "input/a.json"},
		{name: "space is plus", key: "input/my doc.json", want: "input/my+doc.json"},
		{name: "reserved", key: "input/a+b=c&d.json", want: "input/a%2Bb%3Dc%26d.json"},
		{name: "unicode", key: "input/é.json", want: "input/%C3%A9.json"},
	}
	for _, tc := range keys {
		t.Run("encode "+tc.name, func(t *testing.T) {
			if got := EncodeKey(tc.key); got != tc.want {
				t.Errorf("EncodeKey(%q) = %q, want %q", tc.key, got, tc.want)
			}
		})
	}
}
