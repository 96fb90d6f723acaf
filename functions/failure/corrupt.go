package failure

import (
	"context"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/chaoslab/serverless-chaos-lab/functions/failure/faultconfig"
)

// corrupt applies the corruption faults of s that fire to out, the handler's response (failure-
// lambda 1.0's post-handler step, src/failures/corruption.ts). What is corrupted depends on Out:
//
//   - a batch response (a struct with a BatchItemFailures list, as events.SQSEventResponse, or a
//     map with "batchItemFailures"): the list no longer names the failed records. With body set
//     (1.0 would replace the whole response by {body}, which Lambda reads as a batch without
//     failures) the list is emptied: Lambda deletes the failed records as processed, they are
//     lost. Without body (1.0 mangles the body) each itemIdentifier is mangled: Lambda finds no
//     such message in the batch and fails the whole batch, so every record of it, processed or
//     not, comes back after the queue's visibility timeout. A response that reports no failure
//     has nothing to corrupt and is left as is.
//   - a response with a string Body field (events.APIGatewayProxyResponse, ...) or "body" key:
//     body replaces it, or it is mangled (cut at 30-80 % of its length, then three U+FFFD).
//   - a string: body replaces it; without body it is left as is (1.0 mangles only a body field).
//   - anything else is left as is (logged once per config); 1.0 would answer {body} instead, a
//     value of another type, which a Go handler cannot return.
//
// Each corruption writes FaultsInjected and, for a batch, BatchItemFailuresCorrupted with the
// number of failures garbled or dropped.
func corrupt[Out any](ctx context.Context, i *Injector, s *snapshot, ev faultconfig.Event, out Out) Out {
	for n := range s.cfg.Faults {
		f := &s.cfg.Faults[n]
		if f.Mode != ModeCorruption || !i.matches(ctx, s, f, ev) || !i.fires(f) {
			continue
		}
		if i.dryRun {
			i.wouldInject(ctx, f)
			continue
		}
		v := reflect.ValueOf(&out).Elem()
		r := i.corruptValue(v, f)
		switch {
		case r.items > 0:
			i.injected(ctx, f.Mode, "method", r.method, "target", r.target, "items", r.items)
			i.metric(MetricBatchItemFailuresCorrupted, f.Mode, r.items)
		case r.target != "":
			i.injected(ctx, f.Mode, "method", r.method, "target", r.target)
		case r.method == "" && s.noBodyLog.CompareAndSwap(false, true):
			i.log.WarnContext(ctx, "corruption fault: the response has no body and no batch item failures; left as is",
				"parameter", i.param, "type", v.Type().String())
		}
	}
	return out
}

// corruption says what corruptValue changed: nothing when target is "" (method "" too when the
// response has no place corruption knows).
type corruption struct {
	method string // "replace", "mangle", "drop"
	target string // "body", "batchItemFailures"
	items  int    // batch item failures garbled or dropped
}

// corruptValue corrupts v (settable) in place.
func (i *Injector) corruptValue(v reflect.Value, f *Fault) corruption {
	if v.Kind() == reflect.Interface && !v.IsNil() {
		// An `any` response: corrupt a settable copy of what it holds.
		c := reflect.New(v.Elem().Type()).Elem()
		c.Set(v.Elem())
		r := i.corruptValue(c, f)
		v.Set(c)
		return r
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() || v.Elem().Kind() != reflect.Struct {
			return corruption{}
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Struct:
		if list := v.FieldByName("BatchItemFailures"); list.IsValid() && list.CanSet() && list.Kind() == reflect.Slice {
			return i.corruptFailures(list, f)
		}
		if b := v.FieldByName("Body"); b.IsValid() && b.CanSet() && b.Kind() == reflect.String {
			return i.corruptBody(b, f)
		}
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String || v.IsNil() {
			return corruption{}
		}
		key := func(k string) reflect.Value { return reflect.ValueOf(k).Convert(v.Type().Key()) }
		if list := v.MapIndex(key("batchItemFailures")); list.IsValid() {
			c := reflect.New(list.Type()).Elem()
			c.Set(list)
			if c.Kind() == reflect.Interface && !c.IsNil() {
				inner := reflect.New(c.Elem().Type()).Elem()
				inner.Set(c.Elem())
				if inner.Kind() != reflect.Slice {
					return corruption{}
				}
				r := i.corruptFailures(inner, f)
				c.Set(inner)
				v.SetMapIndex(key("batchItemFailures"), c)
				return r
			}
			if c.Kind() != reflect.Slice {
				return corruption{}
			}
			r := i.corruptFailures(c, f)
			v.SetMapIndex(key("batchItemFailures"), c)
			return r
		}
		if b := v.MapIndex(key("body")); b.IsValid() {
			c := reflect.New(b.Type()).Elem()
			c.Set(b)
			if c.Kind() == reflect.Interface && !c.IsNil() && c.Elem().Kind() == reflect.String {
				s := reflect.New(c.Elem().Type()).Elem()
				s.Set(c.Elem())
				r := i.corruptBody(s, f)
				c.Set(s)
				v.SetMapIndex(key("body"), c)
				return r
			}
			if c.Kind() == reflect.String {
				r := i.corruptBody(c, f)
				v.SetMapIndex(key("body"), c)
				return r
			}
		}
	case reflect.String:
		if f.ReplaceBody {
			v.SetString(f.Body)
			return corruption{method: "replace", target: "body"}
		}
		return corruption{method: "mangle"} // 1.0: "no string body field to mangle; returning unchanged"
	}
	return corruption{}
}

// corruptBody replaces or mangles the string b.
func (i *Injector) corruptBody(b reflect.Value, f *Fault) corruption {
	if f.ReplaceBody {
		b.SetString(f.Body)
		return corruption{method: "replace", target: "body"}
	}
	if b.Len() == 0 {
		return corruption{method: "mangle"}
	}
	b.SetString(i.mangle(b.String()))
	return corruption{method: "mangle", target: "body"}
}

// corruptFailures empties the batch item failure list (body set) or mangles each of its
// itemIdentifiers (struct field ItemIdentifier, map key "itemIdentifier").
func (i *Injector) corruptFailures(list reflect.Value, f *Fault) corruption {
	n := list.Len()
	if n == 0 {
		return corruption{method: "mangle"}
	}
	if f.ReplaceBody {
		list.Set(reflect.MakeSlice(list.Type(), 0, 0))
		return corruption{method: "drop", target: "batchItemFailures", items: n}
	}
	garbled := reflect.MakeSlice(list.Type(), n, n)
	reflect.Copy(garbled, list)
	count := 0
	for k := range n {
		if i.mangleIdentifier(garbled.Index(k)) {
			count++
		}
	}
	list.Set(garbled)
	if count == 0 {
		return corruption{method: "mangle"}
	}
	return corruption{method: "mangle", target: "batchItemFailures", items: count}
}

// mangleIdentifier mangles the itemIdentifier of one batch item failure e (settable).
func (i *Injector) mangleIdentifier(e reflect.Value) bool {
	switch e.Kind() {
	case reflect.Struct:
		id := e.FieldByName("ItemIdentifier")
		if !id.IsValid() || !id.CanSet() || id.Kind() != reflect.String || id.Len() == 0 {
			return false
		}
		id.SetString(i.mangle(id.String()))
		return true
	case reflect.Interface:
		if e.IsNil() {
			return false
		}
		c := reflect.New(e.Elem().Type()).Elem()
		c.Set(e.Elem())
		if !i.mangleIdentifier(c) {
			return false
		}
		e.Set(c)
		return true
	case reflect.Map:
		if e.Type().Key().Kind() != reflect.String || e.IsNil() {
			return false
		}
		k := reflect.ValueOf("itemIdentifier").Convert(e.Type().Key())
		id := e.MapIndex(k)
		if !id.IsValid() {
			return false
		}
		if id.Kind() == reflect.Interface && !id.IsNil() {
			id = id.Elem()
		}
		if id.Kind() != reflect.String || id.Len() == 0 {
			return false
		}
		// A fresh map: the handler's own maps are not changed behind its back.
		m := reflect.MakeMapWithSize(e.Type(), e.Len())
		iter := e.MapRange()
		for iter.Next() {
			m.SetMapIndex(iter.Key(), iter.Value())
		}
		nv := reflect.ValueOf(i.mangle(id.String()))
		if !nv.Type().AssignableTo(e.Type().Elem()) {
			nv = nv.Convert(e.Type().Elem())
		}
		m.SetMapIndex(k, nv)
		e.Set(m)
		return true
	}
	return false
}

// mangle cuts s at 30-80 % of its length (on a character boundary) and appends three U+FFFD,
// as failure-lambda 1.0's mangleString.
func (i *Injector) mangle(s string) string {
	cut := int(float64(len(s)) * (0.3 + i.rand()*0.5))
	for cut > 0 && cut < len(s) && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + strings.Repeat("\uFFFD", 3)
}
