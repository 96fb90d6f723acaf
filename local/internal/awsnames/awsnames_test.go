package awsnames

import "testing"

func TestQueueOrTopic(t *testing.T) {
	for _, c := range []struct {
		name string
		fifo bool
		max  int
		ok   bool
	}{
		{"orders", false, 80, true},
		{"Orders_1-a", false, 80, true},
		{"orders.fifo", true, 80, true},
		{"orders.fifo", false, 80, false}, // the suffix on a standard one
		{"orders", true, 80, false},       // a FIFO one without it
		{".fifo", true, 80, false},        // nothing before it
		{"", false, 80, false},
		{"bad name", false, 80, false},
		{"semi;colon", false, 80, false},
		{"é", false, 80, false},
		{string(make([]byte, 81)), false, 80, false},
		{"a23456789012345678901234567890123456789012345678901234567890123456789012345678901", false, 80, false},
		{"a2345678901234567890123456789012345678901234567890123456789012345678901234567890", false, 80, true},
	} {
		if got := QueueOrTopic(c.name, c.fifo, c.max); got != c.ok {
			t.Errorf("QueueOrTopic(%q, fifo %t, %d) = %t, want %t", c.name, c.fifo, c.max, got, c.ok)
		}
	}
}
