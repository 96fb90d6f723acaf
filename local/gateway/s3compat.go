package gateway

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// DefaultObjectContentType is the Content-Type S3 gives an object uploaded without one.
const DefaultObjectContentType = "binary/octet-stream"

// S3Compat is the interceptor the gateway installs in front of every "s3" handler: it gives the
// emulator and the interceptors behind it the request S3 itself would see.
//
//   - An object PUT without Content-Type (boto3 and the AWS CLI send none for an empty body) gets
//     binary/octet-stream, S3's default: the emulator would otherwise answer 500 to an empty one.
//   - A multi-object delete (POST /bucket?delete) is written again from its parsed keys
//     (deleteObjectsBody), so that the emulator deletes the keys IAM decided on: it takes every
//     <Key> wherever it stands (a comment too) and decodes only the five named entities.
//
// Object bodies are passed on as they come, never buffered: S3 takes up to 5 GB in one PUT. aws-chunked
// bodies (Content-Encoding: aws-chunked, with a trailing checksum) are decoded by the emulator.
func S3Compat(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.Header.Get("Content-Type") == "" && isObjectPath(r.URL.Path) {
			r = r.Clone(r.Context())
			r.Header.Set("Content-Type", DefaultObjectContentType)
		}
		if r.Method == http.MethodPost && r.URL.Query().Has("delete") && !isObjectPath(r.URL.Path) {
			body, err := io.ReadAll(io.LimitReader(r.Body, maxDeleteBody+1))
			if err == nil && len(body) > maxDeleteBody {
				err = fmt.Errorf("a DeleteObjects body over %d bytes", maxDeleteBody)
			}
			if err == nil {
				body, err = deleteObjectsBody(body)
			}
			if err != nil {
				WriteError(w, r, http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema: "+err.Error())
				return
			}
			r = r.Clone(r.Context())
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
			r.Header.Set("Content-Length", strconv.Itoa(len(body)))
			// The checksums were of the body as sent (and checked with its signature).
			for k := range r.Header {
				if lk := strings.ToLower(k); lk == "content-md5" || strings.HasPrefix(lk, "x-amz-checksum-") || lk == "x-amz-sdk-checksum-algorithm" {
					r.Header.Del(k)
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// isObjectPath reports whether a path-style S3 path names an object (/bucket/key), not a bucket.
func isObjectPath(p string) bool {
	_, key, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	return key != ""
}

// maxDeleteBody bounds a DeleteObjects body: 1,000 keys of up to 1,024 bytes, escaped, fit.
const maxDeleteBody = 8 << 20

// deleteObjectsBody writes a DeleteObjects body again from what encoding/xml reads of it (the
// reading IAM decides on): each key escaped with the named entities alone, which is what the
// emulator decodes (one after the other: "&amp;lt;" reads "<"). A key that would not come back
// the same (one holding "&lt;" as text, say) is refused rather than another key deleted.
func deleteObjectsBody(b []byte) ([]byte, error) {
	var del struct {
		Quiet   bool `xml:"Quiet"`
		Objects []struct {
			Key       string `xml:"Key"`
			VersionID string `xml:"VersionId"`
		} `xml:"Object"`
	}
	if err := xml.Unmarshal(b, &del); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.WriteString(`<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`)
	if del.Quiet {
		out.WriteString("<Quiet>true</Quiet>")
	}
	for _, o := range del.Objects {
		k := emulatorEscape(o.Key)
		if emulatorUnescape(k) != o.Key {
			return nil, fmt.Errorf("key %q: the local S3 would read it as %q, another key", o.Key, emulatorUnescape(k))
		}
		out.WriteString("<Object><Key>" + k + "</Key>")
		if o.VersionID != "" {
			out.WriteString("<VersionId>" + emulatorEscape(o.VersionID) + "</VersionId>")
		}
		out.WriteString("</Object>")
	}
	out.WriteString("</Delete>")
	return out.Bytes(), nil
}

// emulatorEscape writes text for the emulator's reading: &, < and > as entities, the rest as is.
func emulatorEscape(s string) string { return emulatorEscaper.Replace(s) }

var emulatorEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// emulatorUnescape reads a <Key> as the emulator (fauxqs 1.9.2) does: the five named entities,
// each replaced in turn over the whole text.
func emulatorUnescape(s string) string {
	for _, e := range [][2]string{{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", `"`}, {"&apos;", "'"}} {
		s = strings.ReplaceAll(s, e[0], e[1])
	}
	return s
}
