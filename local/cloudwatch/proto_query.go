package cloudwatch

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// The AWS query protocol, what older botocore (Debian's AWS CLI 2.9, python3-boto3 1.26) sends:
// a form-encoded POST (or GET) of Action=<Op>&Version=2010-08-01&<members>, lists as
// Name.member.N, maps as Name.entry.N.key / Name.entry.N.value, timestamps in ISO 8601, and XML
// answers: <OpResponse xmlns=…><OpResult>…</OpResult><ResponseMetadata>…</ResponseMetadata></OpResponse>
// with lists as <Name><member>…</member></Name> and maps as <Name><entry><key/><value/></entry></Name>.

const xmlNamespace = "http://monitoring.amazonaws.com/doc/2010-08-01/"

// queryForm parses a query-protocol request: the form-encoded body and the URL's query string.
func queryForm(raw []byte, u *url.URL) (url.Values, error) {
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		return nil, invalid("form-encoded body: %v", err)
	}
	for k, vs := range u.Query() {
		if _, ok := form[k]; !ok {
			form[k] = vs
		}
	}
	return form, nil
}

// queryTree builds the decode tree (codec.go) for a value of type t at prefix from a flat form.
// The form alone cannot tell a list from a structure, so the walk follows t. ok is false when
// nothing of the value is in the form.
func queryTree(form url.Values, prefix string, t reflect.Type) (v any, ok bool) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		return formValue(form, prefix)
	}
	switch t.Kind() {
	case reflect.Struct:
		m := map[string]any{}
		for _, f := range fieldsOf(t) {
			if e, ok := queryTree(form, join(prefix, f.name), t.Field(f.index).Type); ok {
				m[f.name] = e
			}
		}
		return m, len(m) > 0 || prefix == ""
	case reflect.Slice:
		var l []any
		for i := 1; ; i++ {
			e, ok := queryTree(form, fmt.Sprintf("%s.member.%d", prefix, i), t.Elem())
			if !ok {
				break
			}
			l = append(l, e)
		}
		if l == nil {
			if _, present := form[prefix]; !present {
				return nil, false
			}
			l = []any{} // botocore sends an empty list as "Name="
		}
		return l, true
	case reflect.Map:
		m := map[string]any{}
		for i := 1; ; i++ {
			entry := fmt.Sprintf("%s.entry.%d", prefix, i)
			k, ok := formValue(form, entry+".key")
			if !ok {
				break
			}
			if e, ok := queryTree(form, entry+".value", t.Elem()); ok {
				m[k.(string)] = e
			}
		}
		return m, len(m) > 0
	}
	return formValue(form, prefix)
}

func formValue(form url.Values, key string) (any, bool) {
	vs, ok := form[key]
	if !ok || len(vs) == 0 {
		return nil, false
	}
	return vs[0], true
}

// appendXML writes an encoded tree as the children of an element.
func appendXML(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case obj:
		for _, f := range x {
			xmlElement(b, f.name, f.v)
		}
	case dict:
		for _, k := range x.sortedKeys() {
			b.WriteString("<entry>")
			xmlElement(b, "key", k)
			xmlElement(b, "value", x[k])
			b.WriteString("</entry>")
		}
	case []any:
		for _, e := range x {
			xmlElement(b, "member", e)
		}
	case string:
		_ = xml.EscapeText(b, []byte(x))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		b.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
	case time.Time:
		b.WriteString(x.UTC().Format("2006-01-02T15:04:05.000Z"))
	default:
		panic(fmt.Sprintf("cloudwatch: cannot encode %T as XML", v))
	}
}

func xmlElement(b *bytes.Buffer, name string, v any) {
	b.WriteString("<" + name + ">")
	appendXML(b, v)
	b.WriteString("</" + name + ">")
}

// writeXMLOutput answers op: out is nil for an operation without an output shape (no <OpResult>).
func writeXMLOutput(w http.ResponseWriter, op string, out obj, requestID string) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<` + op + `Response xmlns="` + xmlNamespace + `">`)
	if out != nil {
		xmlElement(&b, op+"Result", out)
	}
	xmlElement(&b, "ResponseMetadata", obj{{"RequestId", requestID}})
	b.WriteString(`</` + op + `Response>`)
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write(b.Bytes())
}

func writeXMLError(w http.ResponseWriter, status int, e *apiErr, fault, requestID string) {
	code := e.query
	if code == "" {
		code = strings.TrimSuffix(e.code, "Exception")
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<ErrorResponse xmlns="` + xmlNamespace + `">`)
	xmlElement(&b, "Error", append(obj{{"Type", fault}, {"Code", code}, {"Message", e.msg}}, e.members...))
	xmlElement(&b, "RequestId", requestID)
	b.WriteString(`</ErrorResponse>`)
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
