package ssm

import (
	"fmt"
	"sort"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/ssmname"
)

// Write is one change of a parameter as the history keeps it: a put (its value and new version)
// or a delete.
type Write struct {
	Name    string
	Value   string // the value written; empty for a delete
	Type    string // String, StringList or SecureString; empty for a delete
	Version int64  // the version the put made; 0 for a delete
	Time    time.Time
	Deleted bool
	// User is the ARN that made the version (LastModifiedUser); empty for a delete.
	User string
	// KeyId, Description and AllowedPattern are the parameter's as of this version (empty for a
	// delete): GetParameterHistory answers them per version, as the model's ParameterHistory has them.
	KeyId          string
	Description    string
	AllowedPattern string
}

// maxHistory bounds the writes kept over every parameter for History and Writes (the oldest go
// first). Parameters are written a few times per experiment, so this covers a lab's life; a
// parameter's versions are kept apart from it (versionsOf), so a busy cloud loses none of them.
const maxHistory = 10000

// maxVersions is what GetParameterHistory answers at most: SSM keeps a parameter's last 100 versions.
const maxVersions = 100

// record appends w to the history, and to its parameter's versions (a delete ends them, as it
// ends a parameter's history in SSM). The caller holds s.mu.
func (s *Service) record(w Write) {
	if len(s.history) >= maxHistory {
		n := copy(s.history, s.history[len(s.history)-maxHistory+1:])
		s.history = s.history[:n]
	}
	s.history = append(s.history, w)
	if w.Deleted {
		delete(s.versionsOf, w.Name)
		return
	}
	v := append(s.versionsOf[w.Name], w)
	if len(v) > maxVersions {
		v = append(v[:0:0], v[len(v)-maxVersions:]...)
	}
	s.versionsOf[w.Name] = v
}

// History returns every write (puts and deletes) to the parameter named name since the service
// started, oldest first. Unlike SSM's GetParameterHistory it survives a delete, so a reader can
// tell when a value stopped being in force.
func (s *Service) History(name string) []Write {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Write
	for _, w := range s.history {
		if w.Name == name {
			out = append(out, w)
		}
	}
	return out
}

// Writes returns every write to every parameter at or after since (the zero time: all of them),
// oldest first. The live dashboard page reads it to shade the spans when a fault was on.
func (s *Service) Writes(since time.Time) []Write {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i := sort.Search(len(s.history), func(i int) bool { return !s.history[i].Time.Before(since) })
	return append([]Write(nil), s.history[i:]...)
}

// versions is the versions of the parameter name as it exists now, oldest first, at most the
// last 100. The caller holds s.mu.
func (s *Service) versions(name string) []Write {
	return append([]Write(nil), s.versionsOf[name]...)
}

// parameterHistory answers GetParameterHistory: a page of the parameter's versions, oldest first.
// Name is a name or an ARN (no selector).
func (s *Service) parameterHistory(body []byte) (any, error) {
	var in struct {
		Name           string
		WithDecryption bool
		MaxResults     *int
		NextToken      string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	ref, err := readRef(in.Name, ssmname.NameOrARN)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	p, ok := s.lookup(ref)
	var versions []Write
	if ok {
		versions = s.versions(p.Name)
	}
	s.mu.RUnlock()
	if !ok {
		return nil, notFound(in.Name)
	}
	keys := make([]string, len(versions)) // the versions, zero-padded to sort as numbers
	for i, w := range versions {
		keys[i] = fmt.Sprintf("%020d", w.Version)
	}
	pg := page{op: pageScope("GetParameterHistory", body), token: in.NextToken, maxResults: in.MaxResults, limit: 50}
	return pg.answer(keys, func(i int) map[string]any {
		w := versions[i]
		out := map[string]any{
			"Name": w.Name, "Type": w.Type, "Value": value(w.Type, w.Value, in.WithDecryption), "Version": w.Version,
			"LastModifiedDate": epoch(w.Time), "Tier": "Standard", "DataType": "text", "Labels": []string{},
			"LastModifiedUser": w.User,
		}
		for k, v := range map[string]string{"KeyId": w.KeyId, "Description": w.Description, "AllowedPattern": w.AllowedPattern} {
			if v != "" {
				out[k] = v
			}
		}
		return out
	})
}
