// Package jsondup finds the keys a JSON text gives twice in one object: encoding/json keeps the
// last of them, silently, and the first may be the one meant. The experiment format's checker
// (experiments) and the local cloud's policy reader (local/iam) refuse such a text.
package jsondup

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// Twice is a key given twice in one object. Path is where the object is, written as
// `Statement[0].Condition`; "" is the document itself.
type Twice struct {
	Path, Key string
}

// At is where the second key is: the object's path and the key (`Statement[0].Condition.StringEquals`).
func (t Twice) At() string { return Join(t.Path, t.Key) }

// Find returns every key given twice in one object of data, in the order they come, or the
// decoder's error when data is not JSON.
func Find(data []byte) ([]Twice, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var found []Twice
	var walk func(path string) error
	walk = func(path string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				key := k.(string)
				if seen[key] {
					found = append(found, Twice{Path: path, Key: key})
				}
				seen[key] = true
				if err := walk(Join(path, key)); err != nil {
					return err
				}
			}
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if err := walk(path + "[" + strconv.Itoa(i) + "]"); err != nil {
					return err
				}
			}
		default:
			return nil
		}
		_, err = dec.Token() // the closing } or ]
		return err
	}
	if err := walk(""); err != nil {
		return nil, err
	}
	return found, nil
}

// Join is the path of key in the object at path.
func Join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
