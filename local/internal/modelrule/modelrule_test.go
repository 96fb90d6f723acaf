package modelrule

import "testing"

func TestMessage(t *testing.T) {
	for _, tc := range []struct {
		member string
		value  any
		rule   string
		want   string
	}{
		{"name", nil, "not be null", "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"},
		{"name", "", "have length greater than or equal to 1", "1 validation error detected: Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"maxResults", 5000, "have value less than or equal to 1000", "1 validation error detected: Value '5000' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{"statusFilter", "BOGUS", Enum("RUNNING", "FAILED"), "1 validation error detected: Value 'BOGUS' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [RUNNING, FAILED]"},
	} {
		if got := Message(tc.member, tc.value, tc.rule); got != tc.want {
			t.Errorf("Message(%q, %v, %q) =\n%s\nwant\n%s", tc.member, tc.value, tc.rule, got, tc.want)
		}
	}
}
