package main

import (
	"fmt"
	"testing"
)

func BenchmarkParseDocument(b *testing.B) {
	body := fixture(b, "valid.json")
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := ParseDocument(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDocumentCSV(b *testing.B) {
	d, err := ParseDocument(fixture(b, "valid.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = d.CSV()
	}
}

func BenchmarkParseNotification(b *testing.B) {
	body := notification("chaos-bucket", inputKey(7))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseNotification(body); err != nil {
			b.Fatal(err)
		}
	}
}

// The CSV a seed document becomes.
func ExampleDocument_CSV() {
	d, err := ParseDocument([]byte(`{"symbol":"ABCD","messageId":7,"value":10,"objectName":"data_object_msg-7.json","submissionDate":"23-Nov-2026 13:45:12","author":"the_publisher.py","version":1.1}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(d.CSV()))
	// Output:
	// objectName,submissionDate,author,formatVersion
	// data_object_msg-7.json,23-Nov-2026 13:45:12,the_publisher.py,1.1
}

// A poison document says why it can never succeed.
func ExampleParseDocument_poison() {
	_, err := ParseDocument([]byte(`{symbol":"ABCD","messageId":8}`))
	fmt.Println(err)
	// Output:
	// poison document (malformed_json): invalid character 's' looking for beginning of object key string
}
