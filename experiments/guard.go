package experiments

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
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
		var g struct {
			Probe    string  `json:"probe"`
			Interval float64 `json:"interval"`
		}
		dec := json.NewDecoder(bytes.NewReader(ext.Guard))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&g); err != nil {
			c.fail(p+".guard", "want {\"probe\": \"<hypothesis probe name>\", \"interval\": seconds}: %v", err)
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
