package experiments

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/chaoslab/serverless-chaos-lab/internal/jsonfields"
)

// guardExtension reads the chaoslab extension, its guard: the hypothesis probe it checks and its
// interval in seconds (0 when not given); name is "" when there is none. There is one at most: a
// second is refused, whatever it says, rather than read or ignored.
func (c *compiler) guardExtension() (name string, interval int) {
	first := ""
	for i, raw := range c.e.Extensions {
		p := fmt.Sprintf("extensions[%d]", i)
		var ext struct {
			Name  string          `json:"name"`
			Guard json.RawMessage `json:"guard"`
		}
		if err := json.Unmarshal(raw, &ext); err != nil || ext.Name != "chaoslab" {
			continue // other tools' extensions are theirs
		}
		if first != "" {
			c.fail(p, "a second chaoslab extension (the first is %s): give the guard once", first)
			continue
		}
		first = p
		var members map[string]json.RawMessage
		_ = json.Unmarshal(raw, &members)
		for _, k := range slices.Sorted(maps.Keys(members)) {
			if k != "name" && k != "guard" {
				c.fail(p+"."+k, "%s", unknownKey(k, []string{"name", "guard"}))
			}
		}
		if len(nonNull(ext.Guard)) == 0 {
			c.fail(p+".guard", "required: the chaoslab extension is {\"name\": \"chaoslab\", \"guard\": {\"probe\": ..., \"interval\": ...}}")
			continue
		}
		g, ok := c.guardMembers(ext.Guard, p+".guard")
		if !ok {
			continue
		}
		found := false
		if c.e.SteadyState != nil {
			for _, a := range c.e.SteadyState.Probes {
				found = found || a.Name == g.Probe
			}
		}
		if !found {
			c.fail(p+".guard.probe", "no hypothesis probe is named %q", g.Probe)
			continue
		}
		name, interval = g.Probe, c.seconds(g.Interval, p+".guard.interval")
	}
	return name, interval
}

// guard is the chaoslab extension's guard member.
type guard struct {
	Probe    string
	Interval float64
}

// guardMembers reads the guard object at p member by member, so that each problem is told as the
// rest of the file's are: a misspelt key with the key it may be, a value of the wrong JSON type
// with the type it is (a Go decoder's "cannot unmarshal string into Go struct field" named neither).
func (c *compiler) guardMembers(raw json.RawMessage, p string) (g guard, ok bool) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		c.fail(p, "want {\"probe\": \"<hypothesis probe name>\", \"interval\": seconds}, got JSON %s", jsonfields.RawKind(raw))
		return g, false
	}
	ok = true
	for _, k := range slices.Sorted(maps.Keys(members)) {
		switch k {
		case "probe":
			if json.Unmarshal(members[k], &g.Probe) != nil {
				c.fail(p+".probe", "want a JSON string, got JSON %s", jsonfields.RawKind(members[k]))
				ok = false
			}
		case "interval":
			if json.Unmarshal(members[k], &g.Interval) != nil {
				c.fail(p+".interval", "want a JSON number of seconds, got JSON %s", jsonfields.RawKind(members[k]))
				ok = false
			}
		default:
			c.fail(p+"."+k, "%s", unknownKey(k, []string{"probe", "interval"}))
			ok = false
		}
	}
	return g, ok
}
