package template

import (
	"strings"
	"testing"
)

// A name is one stack's until that stack releases it; the same stack may claim its own names again
// (a redeploy), another stack may not.
func TestNamesClaimAndRelease(t *testing.T) {
	n := NewNames()
	if err := n.claim("AWS::SQS::Queue", "q", "A"); err != nil {
		t.Fatal(err)
	}
	if err := n.claim("AWS::SQS::Queue", "q", "A"); err != nil {
		t.Errorf("the owner claims again: %v", err)
	}
	if err := n.claim("AWS::SNS::Topic", "q", "B"); err != nil {
		t.Errorf("same name, other type: %v", err)
	}
	err := n.claim("AWS::SQS::Queue", "q", "B")
	if err == nil || !strings.Contains(err.Error(), "AWS::SQS::Queue q already exists in stack A") {
		t.Fatalf("B claims A's queue: %v", err)
	}
	n.release("AWS::SQS::Queue", "q", "B") // not B's: nothing happens
	if o := n.Owner("AWS::SQS::Queue", "q"); o != "A" {
		t.Errorf("owner %q after a stranger's release, want A", o)
	}
	n.release("AWS::SQS::Queue", "q", "A")
	if err := n.claim("AWS::SQS::Queue", "q", "B"); err != nil {
		t.Errorf("after A released it: %v", err)
	}
}

// An event source mapping's FunctionName is a name or an ARN, as Lambda reads it; a version or an
// alias other than $LATEST does not exist locally and is refused (it ran $LATEST).
func TestMappingFunction(t *testing.T) {
	for ref, want := range map[string]string{
		"fn":          "fn",
		"fn:$LATEST":  "fn",
		"function:fn": "fn",
		"arn:aws:lambda:us-east-1:000000000000:function:ChaosLab-Etl":         "ChaosLab-Etl",
		"arn:aws:lambda:us-east-1:000000000000:function:ChaosLab-Etl:$LATEST": "ChaosLab-Etl",
		"fn:live": "", "arn:aws:lambda:us-east-1:000000000000:function:fn:7": "", "bad name!": "", "": "",
	} {
		got, err := mappingFunction(ref)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("mappingFunction(%q) = %q, %v; want %q", ref, got, err, want)
		}
		if err != nil && !strings.Contains(err.Error(), "FunctionName") {
			t.Errorf("mappingFunction(%q): %v, want the error to name FunctionName", ref, err)
		}
	}
}
