package lambdaname

import "testing"

func TestParse(t *testing.T) {
	tests := []struct {
		ref  string
		want Ref
		ok   bool
	}{
		{"fn", Ref{Name: "fn"}, true},
		{"fn:7", Ref{Name: "fn", Qualifier: "7"}, true},
		{"fn:$LATEST", Ref{Name: "fn", Qualifier: "$LATEST"}, true},
		{"arn:aws:lambda:us-east-1:000000000000:function:fn:live", Ref{ARN: true, Partition: "aws", Region: "us-east-1", Account: "000000000000", Name: "fn", Qualifier: "live"}, true},
		{"000000000000:function:fn", Ref{Account: "000000000000", Name: "fn"}, true},
		{"us-east-1:000000000000:function:fn", Ref{Region: "us-east-1", Account: "000000000000", Name: "fn"}, true},
		{"function:fn", Ref{Name: "fn"}, true},
		{"000000000000:fn", Ref{Account: "000000000000", Name: "fn"}, true}, // the account, as AWS's expression reads it first
		{"bad name!", Ref{}, false},
		{"fn:a:b", Ref{}, false},
		{"fn:", Ref{}, false},
		{"", Ref{}, false},
	}
	for _, tc := range tests {
		got, ok := Parse(tc.ref)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Parse(%q) = %+v, %v; want %+v, %v", tc.ref, got, ok, tc.want, tc.ok)
		}
	}
}
