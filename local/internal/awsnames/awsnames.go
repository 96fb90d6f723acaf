// Package awsnames is the name rule SQS queues and SNS topics share: ASCII letters, digits,
// hyphens and underscores, within a length, and the suffix ".fifo" on a FIFO one and on no other
// (CreateQueue's QueueName, CreateTopic's Name). Each service answers a broken name in its own words.
package awsnames

import "strings"

// QueueOrTopic reports whether name is a valid name of at most max characters for a queue or topic,
// FIFO or not.
func QueueOrTopic(name string, fifo bool, max int) bool {
	base, suffixed := strings.CutSuffix(name, ".fifo")
	if !fifo {
		base = name // ".fifo" on a standard one: its dot is no name character
	}
	return (!fifo || suffixed) && len(name) <= max && chars(base)
}

// chars reports whether s is one or more ASCII letters, digits, hyphens and underscores.
func chars(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) < 0
}
