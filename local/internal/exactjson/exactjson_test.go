package exactjson

import (
	"encoding/json"
	"testing"
)

type inner struct {
	Key   string `json:"Key"`
	Value string
}

type request struct {
	Name   string
	Names  []string
	Tags   []inner
	ByName map[string]inner
	Count  int `json:"count,omitempty"`
	Raw    json.RawMessage
	Ptr    *inner
	inner
}

// A member fills a field only under its exact name, at every depth; others are ignored, as AWS
// ignores members it does not know. encoding/json would take "name" for Name, and the last of two.
func TestMembersMatchExactly(t *testing.T) {
	body := `{"Name": "allowed", "name": "other", "NAME": "other", "Names": ["a"],
		"Tags": [{"Key": "k", "key": "x", "Value": "v", "value": "x"}],
		"ByName": {"any": {"Key": "k2", "KEY": "x"}}, "Count": 9, "count": 3,
		"Raw": {"name": "kept as sent"}, "Ptr": {"Value": "p", "VALUE": "x"}, "Key": "embedded", "key": "x", "Unknown": 1}`
	var got request
	if err := Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if got.Name != "allowed" || len(got.Names) != 1 || got.Tags[0].Key != "k" || got.Tags[0].Value != "v" || got.ByName["any"].Key != "k2" ||
		got.Count != 3 || string(got.Raw) != `{"name":"kept as sent"}` || got.Ptr.Value != "p" || got.Key != "embedded" {
		t.Errorf("decoded %+v", got)
	}
	var lax request
	if err := json.Unmarshal([]byte(`{"name": "other"}`), &lax); err != nil || lax.Name != "other" {
		t.Fatalf("encoding/json no longer matches without case (%+v, %v): this package may be needless", lax, err)
	}
	var exact request
	if err := Unmarshal([]byte(`{"name": "other"}`), &exact); err != nil || exact.Name != "" {
		t.Errorf(`{"name": ...} filled Name: %+v, %v`, exact, err)
	}
}

func TestSyntaxErrorsAreJSONs(t *testing.T) {
	var v request
	err := Unmarshal([]byte(`{"Name": `), &v)
	if _, ok := err.(*json.SyntaxError); !ok && err == nil {
		t.Errorf("err %v (%T), want encoding/json's", err, err)
	}
	if err := Unmarshal([]byte(`{"Name": 3}`), &v); err == nil {
		t.Error("a number for a string: no error")
	}
	if err := Unmarshal([]byte(`{"Name": "a"} {"Name": "b"}`), &v); err == nil {
		t.Error("a second value after the first: no error")
	}
}
