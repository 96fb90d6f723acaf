package experiments

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/chaoslab/serverless-chaos-lab/internal/jsonfields"
)

// guardExtension reads the chaoslab extension, its guard: the hypothesis probes it checks ("probe":
// one, or "probes": several, each once) and its interval in seconds (0 when not given); names is
// empty when there is none. There is one extension at most: a second is refused, whatever it says,
// rather than read or ignored.
func (c *compiler) guardExtension() (names []string, interval int) {
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
		at := func(i int) string {
			if g.one {
				return p + ".guard.probe"
			}
			return fmt.Sprintf("%s.guard.probes[%d]", p, i)
		}
		var found []string
		for i, name := range g.Probes {
			switch {
			case slices.Contains(found, name):
				c.fail(at(i), "%q is named twice", name)
			case c.e.SteadyState == nil || !slices.ContainsFunc(c.e.SteadyState.Probes, func(a Activity) bool { return a.Name == name }):
				c.fail(at(i), "no hypothesis probe is named %q", name)
			default:
				found = append(found, name)
			}
		}
		if len(found) < len(g.Probes) {
			continue
		}
		names, interval = found, c.seconds(g.Interval, p+".guard.interval")
	}
	return names, interval
}

// guard is the chaoslab extension's guard member.
type guard struct {
	Probes   []string
	one      bool // given as "probe"
	Interval float64
}

// guardMembers reads the guard object at p member by member, so that each problem is told as the
// rest of the file's are: a misspelt key with the key it may be, a value of the wrong JSON type
// with the type it is (a Go decoder's "cannot unmarshal string into Go struct field" named neither).
func (c *compiler) guardMembers(raw json.RawMessage, p string) (g guard, ok bool) {
	const want = "want {\"probe\": \"<hypothesis probe name>\", \"interval\": seconds}, or {\"probes\": [names], ...} for several"
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		c.fail(p, "%s, got JSON %s", want, jsonfields.RawKind(raw))
		return g, false
	}
	ok = true
	for _, k := range slices.Sorted(maps.Keys(members)) {
		switch k {
		case "probe":
			var name string
			if json.Unmarshal(members[k], &name) != nil {
				c.fail(p+".probe", "want a JSON string, got JSON %s", jsonfields.RawKind(members[k]))
				ok = false
			}
			g.Probes, g.one = []string{name}, true
		case "probes":
			var list []json.RawMessage
			if json.Unmarshal(members[k], &list) != nil || list == nil {
				c.fail(p+".probes", "want a JSON array of probe names, got JSON %s", jsonfields.RawKind(members[k]))
				ok = false
				break
			}
			if len(list) == 0 {
				c.fail(p+".probes", "empty: name at least one hypothesis probe")
				ok = false
			}
			for i, item := range list {
				var name string
				if json.Unmarshal(item, &name) != nil {
					c.fail(fmt.Sprintf("%s.probes[%d]", p, i), "want a JSON string, got JSON %s", jsonfields.RawKind(item))
					ok = false
				}
				g.Probes = append(g.Probes, name)
			}
		case "interval":
			if json.Unmarshal(members[k], &g.Interval) != nil {
				c.fail(p+".interval", "want a JSON number of seconds, got JSON %s", jsonfields.RawKind(members[k]))
				ok = false
			}
		default:
			c.fail(p+"."+k, "%s", unknownKey(k, []string{"probe", "probes", "interval"}))
			ok = false
		}
	}
	_, one := members["probe"]
	_, several := members["probes"]
	switch {
	case one && several:
		c.fail(p, "both probe and probes: give one of them")
		ok = false
	case !one && !several && ok:
		c.fail(p, "%s: the probe is required", want)
		ok = false
	}
	return g, ok
}
