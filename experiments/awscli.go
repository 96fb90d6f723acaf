package experiments

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

func joinWords(ws []Word, n int) string {
	var parts []string
	for i, w := range ws {
		if i >= n {
			break
		}
		parts = append(parts, w.Text)
	}
	return strings.Join(parts, " ")
}

// awsCommand checks a process provider runs `aws <service> <operation> ...`, the one command its kind
// ("probes", "actions") is translated from, and returns the arguments after the operation.
func (c *compiler) awsCommand(pv *Provider, pp, service, operation, kind string) ([]Word, bool) {
	words, ok := c.processWords(pv, pp)
	if !ok {
		return nil, false
	}
	// Global options may come before the service too (aws --region eu-west-2 cloudwatch ...): they
	// are read with the command's own.
	var global []Word
	for len(words) > 0 && strings.HasPrefix(words[0].Text, "--") {
		name, _, inline := strings.Cut(strings.TrimPrefix(words[0].Text, "--"), "=")
		takesValue, known := commonCLI[name]
		if !known {
			break
		}
		n := 1
		if takesValue && !inline {
			n = 2
		}
		n = min(n, len(words))
		global, words = append(global, words[:n]...), words[n:]
	}
	if len(words) < 2 || words[0].Text != service || words[1].Text != operation {
		c.fail(pp+".arguments", "only `aws %s %s ...` %s are translated, got `aws %s`", service, operation, kind, joinWords(words, 2))
		return nil, false
	}
	return append(slices.Clone(words[2:]), global...), true
}

// processWords checks a process provider runs the aws CLI and splits its arguments.
func (c *compiler) processWords(pv *Provider, pp string) ([]Word, bool) {
	if pv.Path != "aws" && !strings.HasSuffix(pv.Path, "/aws") {
		c.fail(pp+".path", "only the aws CLI is translated, got %q", pv.Path)
		return nil, false
	}
	var args string
	if err := json.Unmarshal(pv.Arguments, &args); err != nil {
		var list []string
		if err2 := json.Unmarshal(pv.Arguments, &list); err2 != nil {
			c.fail(pp+".arguments", "want the aws CLI arguments as a string or a list of strings")
			return nil, false
		}
		ws := make([]Word, len(list))
		for i, s := range list {
			ws[i] = Word{Text: c.subst(s, pp+".arguments")}
		}
		return ws, true
	}
	words, err := splitWordsKeepingVars(c.subst(args, pp+".arguments"))
	if err != nil {
		c.fail(pp+".arguments", "%v", err)
		return nil, false
	}
	return words, true
}

// cliOptions parses --name value / --name=value / --flag options.
func cliOptions(words []Word, flags map[string]bool) (map[string]Word, error) {
	opts := map[string]Word{}
	for i := 0; i < len(words); i++ {
		t := words[i].Text
		if !strings.HasPrefix(t, "--") {
			return nil, fmt.Errorf("unexpected argument %q", t)
		}
		name, val, hasVal := strings.Cut(t, "=")
		name = strings.TrimPrefix(name, "--")
		takes, known := flags[name]
		if !known {
			return nil, fmt.Errorf("option --%s is not translated", name)
		}
		if _, dup := opts[name]; dup {
			return nil, fmt.Errorf("option --%s given twice", name)
		}
		switch {
		case !takes && hasVal:
			return nil, fmt.Errorf("option --%s takes no value", name)
		case !takes:
			opts[name] = Word{}
		case hasVal:
			opts[name] = Word{Text: val}
		default:
			if i+1 >= len(words) {
				return nil, fmt.Errorf("option --%s needs a value", name)
			}
			i++
			opts[name] = words[i]
		}
	}
	return opts, nil
}

// commonCLI are aws CLI global options that change nothing the machine does.
var commonCLI = map[string]bool{"region": true, "profile": true, "output": true, "no-paginate": false,
	"no-cli-pager": false, "cli-read-timeout": true, "cli-connect-timeout": true, "debug": false}

// commonNotes notes the global options of an aws CLI command that the machine does otherwise:
// it works in its own stack's region, with its own role.
func (c *compiler) commonNotes(opts map[string]Word, p string) {
	if r, ok := opts["region"]; ok {
		c.note(p, "--region %s is not used: the state machine works in its own stack's region", r.Text)
	}
	if pr, ok := opts["profile"]; ok {
		c.note(p, "--profile %s is not used: the state machine acts with its own role", pr.Text)
	}
}

func withCommon(m map[string]bool) map[string]bool {
	out := map[string]bool{}
	for k, v := range commonCLI {
		out[k] = v
	}
	for k, v := range m {
		out[k] = v
	}
	return out
}

var valuesZero = regexp.MustCompile(`^\s*MetricDataResults\s*\[\s*0\s*\]\s*\.\s*Values\s*\[\s*0\s*\]\s*$`)

func (c *compiler) getMetricDataCLI(pr *CompiledProbe, words []Word, p string) {
	opts, err := cliOptions(words, withCommon(map[string]bool{"metric-data-queries": true, "start-time": true,
		"end-time": true, "query": true, "scan-by": true, "max-datapoints": true}))
	if err != nil {
		c.fail(p, "%v", err)
		return
	}
	c.commonNotes(opts, p)
	q, ok := opts["query"]
	if !ok || !valuesZero.MatchString(q.Text) {
		c.fail(p, "--query must be 'MetricDataResults[0].Values[0]' (the probe checks one number), got %q", q.Text)
	}
	if o, ok := opts["output"]; ok && o.Text != "json" && o.Text != "text" {
		c.fail(p, "--output %s is not translated (json or text)", o.Text)
	}
	start, okS := c.timeArg(opts, "start-time", p)
	end, okE := c.timeArg(opts, "end-time", p)
	if okS && okE {
		switch {
		case end != 0:
			c.fail(p, "--end-time must be now: the machine observes windows that end when the probe runs")
		case start <= 0:
			c.fail(p, "--start-time must be before --end-time")
		case start > maxSeconds:
			c.fail(p, "--start-time: want a window of at most %d seconds (366 days), got %d", maxSeconds, start)
		default:
			pr.WindowSeconds = start
		}
	}
	mdq, ok := opts["metric-data-queries"]
	if !ok {
		c.fail(p, "--metric-data-queries is required")
		return
	}
	pr.NoData = NoDataFail // the CLI prints null; a Chaos Toolkit range tolerance does not accept it
	c.queries(pr, mdq.Text, p+" --metric-data-queries")
}

// timeArg returns how many seconds before now a --start-time/--end-time names.
func (c *compiler) timeArg(opts map[string]Word, name, p string) (int, bool) {
	w, ok := opts[name]
	if !ok {
		c.fail(p, "--%s is required", name)
		return 0, false
	}
	if w.Subst == "" {
		c.fail(p, "--%s %q: want a `date ...` substitution relative to now (absolute times cannot be re-run)", name, w.Text)
		return 0, false
	}
	n, err := dateOffset(w.Subst)
	if err != nil {
		c.fail(p, "--%s: %v", name, err)
		return 0, false
	}
	return n, true
}
