package emulators

import (
	"slices"
	"testing"
)

func TestJavaOptions(t *testing.T) {
	tests := []struct {
		name string
		opts []string
		env  string
		want []string
	}{
		{name: "none", want: []string{}},
		{name: "the caller's", opts: []string{"-XX:TieredStopAtLevel=4"}, want: []string{"-XX:TieredStopAtLevel=4"}},
		{name: "the user's options come last and win", opts: []string{"-XX:TieredStopAtLevel=4"}, env: " -XX:TieredStopAtLevel=1  -Xmx512m ",
			want: []string{"-XX:TieredStopAtLevel=4", "-XX:TieredStopAtLevel=1", "-Xmx512m"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := slices.Clone(tc.opts)
			got := javaOptions(opts, tc.env)
			if !slices.Equal(got, tc.want) {
				t.Errorf("javaOptions(%q, %q) = %q, want %q", tc.opts, tc.env, got, tc.want)
			}
			if !slices.Equal(opts, tc.opts) {
				t.Errorf("javaOptions changed its argument to %q", opts)
			}
		})
	}
}
