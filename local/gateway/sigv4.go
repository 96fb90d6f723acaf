package gateway

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Signature Version 4, as the gateway checks it: every request must be signed, with the
// Authorization header or as a presigned URL (X-Amz-Signature in the query), by a key of
// Options.Keys. The canonical request is rebuilt from what arrived (the path and query exactly as
// sent, the headers the client listed as signed, the payload hash) following the SigV4
// specification, and the signature compared in constant time.
//
//   - Canonical URI: for S3 each path segment is decoded once and URI-encoded once (S3's rule: no
//     double encoding); for every other service the path as sent is URI-encoded again (the SDKs'
//     double encoding).
//   - Canonical query: every parameter decoded and URI-encoded (RFC 3986 unreserved characters
//     kept, a space as %20), sorted by name then value; X-Amz-Signature left out of a presigned one.
//   - Payload: x-amz-content-sha256 when sent (S3 requires it on header-signed requests), else the
//     SHA-256 of the body, computed here (a presigned S3 URL signs UNSIGNED-PAYLOAD). A hex hash is
//     checked against the body: XAmzContentSHA256Mismatch. For S3, UNSIGNED-PAYLOAD and
//     STREAMING-UNSIGNED-PAYLOAD-TRAILER are accepted as AWS accepts them (any other service hashes
//     the body it got, whatever the header says); the chunks of
//     STREAMING-AWS4-HMAC-SHA256-PAYLOAD(-TRAILER) bodies are checked one by one against the seed
//     signature's chain (and the trailer's signature), each but the last with data at least 8 KiB
//     (InvalidChunkSizeError). Content-Encoding aws-chunked goes with a streaming hash only (the S3
//     behind decodes by the header). SigV4a (ECDSA) is refused.
//   - Time: X-Amz-Date (or Date) within 15 minutes of the gateway's clock (RequestTimeTooSkewed,
//     "Signature expired"); a presigned URL until X-Amz-Date + X-Amz-Expires (at most 7 days).
//   - Scope: <key>/<yyyymmdd of X-Amz-Date>/<Options.Region>/<service>/aws4_request (another date
//     is S3's AuthorizationHeaderMalformed, the other services' SignatureDoesNotMatch).
//   - A temporary key's session token must come with it (X-Amz-Security-Token); a long-term key
//     must come without one.
//
// Bodies up to verifyBufferLimit, of a known length or not, are checked before any handler runs,
// so that a mismatch is answered with the service's error; a longer S3 body is checked as it
// streams to the emulator, and a mismatch found at its end fails the upload (the emulator never
// gets a whole body).

const (
	sigAlgorithm    = "AWS4-HMAC-SHA256"
	amzDateFormat   = "20060102T150405Z"
	maxClockSkew    = 15 * time.Minute
	maxPresignedTTL = 7 * 24 * time.Hour
	emptySHA256     = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

	// verifyBufferLimit: a body up to this size is read and checked before the handler sees it.
	verifyBufferLimit = 16 << 20
	// maxHashedBody bounds a body whose hash the gateway computes (no x-amz-content-sha256): the
	// services that sign that way take at most a few MiB (Lambda 6 MB, SQS 1 MiB per message).
	maxHashedBody = 64 << 20

	unsignedPayload          = "UNSIGNED-PAYLOAD"
	streamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	streamingSigned          = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	streamingSignedTrailer   = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
)

type authFailure int

const (
	failIncomplete      authFailure = iota // no or incomplete signature
	failUnknownKey                         // access key not in Keys
	failToken                              // session token missing, wrong or unexpected
	failSignature                          // signature does not match
	failSkew                               // X-Amz-Date too far from the clock
	failExpired                            // presigned URL expired (or not valid yet)
	failRegion                             // scope names another region
	failHashMismatch                       // body does not match x-amz-content-sha256
	failBadHash                            // x-amz-content-sha256 is not a hash or a known literal
	failTooLarge                           // body too large to hash
	failUnsupported                        // another algorithm (SigV2, SigV4a)
	failUnsignedHeaders                    // S3: an x-amz-* header the signature does not cover
	failTwoMechanisms                      // an Authorization header and a presigned query, or two Credentials
	failBadDigest                          // S3: Content-MD5 or an x-amz-checksum-* does not match the data
	failInvalidDigest                      // S3: a Content-MD5 that is not a base64 MD5
	failBadTrailer                         // S3: x-amz-trailer names no checksum, or its trailer never came
	failInvalidChecksum                    // S3: an x-amz-checksum-* header that is not its algorithm's base64
	failChunkSize                          // S3: an aws-chunked chunk under minChunkSize that is not the last
	failChunkedEncoding                    // S3: Content-Encoding aws-chunked on a payload that is not streamed
	failNotImplemented                     // S3: a checksum algorithm the local cloud does not compute (XXHASH)
)

// authError is a refused request; fields are extra elements of S3's <Error> document.
type authError struct {
	kind   authFailure
	msg    string
	fields [][2]string
}

func (e *authError) Error() string { return e.msg }

// sigRequest is what a request says about its signature.
type sigRequest struct {
	presigned                         bool
	accessKey, date, region, service  string
	scope                             string // date/region/service/aws4_request
	signedHeaders                     []string
	signature, amzDate, token, rawCrd string
	at                                time.Time
	expires                           time.Duration
}

// authParams reads a SigV4 Authorization header, "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
// Signature=...": its three parameters, each once, and nothing else. The header is not covered by
// the signature, so anything else in it is a third party's: an extra "X=Credential=<another
// service's scope>" once routed the request to the service it named while the signature was
// checked, by another service's rules, against the real one (SigningName reads the header with
// this too).
func authParams(auth string) (map[string]string, *authError) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(auth), " ")
	if alg != sigAlgorithm {
		return nil, &authError{kind: failUnsupported, msg: "The authorization mechanism you have provided is not supported. Please use " + sigAlgorithm + "."}
	}
	params := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		switch {
		case !ok:
			return nil, &authError{kind: failIncomplete, msg: fmt.Sprintf("'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", strings.TrimSpace(part), auth)}
		case k != "Credential" && k != "SignedHeaders" && k != "Signature":
			return nil, &authError{kind: failIncomplete, msg: fmt.Sprintf("Authorization header has '%s', which is none of Credential, SignedHeaders and Signature. Authorization=%s", k, auth)}
		case params[k] != "":
			// The gateway routed by the first Credential and checked the signature with the last.
			return nil, &authError{kind: failTwoMechanisms, msg: fmt.Sprintf("Authorization header has '%s' twice. Authorization=%s", k, auth)}
		}
		params[k] = v
	}
	return params, nil
}

// parseSignature reads the Authorization header or the presigned query.
func parseSignature(r *http.Request) (*sigRequest, *authError) {
	s := &sigRequest{}
	if auth := r.Header.Get("Authorization"); auth != "" {
		// S3 refuses a request that carries both; a service picked by one and a signature checked
		// against the other would be a request read two ways.
		if q := r.URL.Query(); q.Has("X-Amz-Signature") || q.Has("X-Amz-Credential") || q.Has("X-Amz-Algorithm") {
			return nil, &authError{kind: failTwoMechanisms, msg: "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified"}
		}
		params, aerr := authParams(auth)
		if aerr != nil {
			return nil, aerr
		}
		s.rawCrd, s.signature = params["Credential"], params["Signature"]
		headers := params["SignedHeaders"]
		for _, p := range [][2]string{{"Credential", s.rawCrd}, {"SignedHeaders", headers}, {"Signature", s.signature}} {
			if p[1] == "" {
				return nil, &authError{kind: failIncomplete, msg: fmt.Sprintf("Authorization header requires '%s' parameter. Authorization=%s", p[0], auth)}
			}
		}
		s.signedHeaders = strings.Split(headers, ";")
		s.amzDate = r.Header.Get("X-Amz-Date")
		if s.amzDate == "" {
			if d := r.Header.Get("Date"); d != "" {
				if t, err := http.ParseTime(d); err == nil {
					s.amzDate = t.UTC().Format(amzDateFormat)
				}
			}
		}
		if s.amzDate == "" {
			return nil, &authError{kind: failIncomplete, msg: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."}
		}
		s.token = r.Header.Get("X-Amz-Security-Token")
	} else {
		q := r.URL.Query()
		if q.Get("X-Amz-Signature") == "" && q.Get("X-Amz-Credential") == "" {
			return nil, &authError{kind: failIncomplete, msg: "Request is missing Authentication Token"}
		}
		s.presigned = true
		if alg := q.Get("X-Amz-Algorithm"); alg != sigAlgorithm && alg != "" { // none is a missing parameter, below
			return nil, &authError{kind: failUnsupported, msg: fmt.Sprintf("X-Amz-Algorithm only supports \"%s\" (got %q)", sigAlgorithm, alg)}
		}
		s.rawCrd, s.signature, s.amzDate = q.Get("X-Amz-Credential"), q.Get("X-Amz-Signature"), q.Get("X-Amz-Date")
		headers := q.Get("X-Amz-SignedHeaders")
		for _, p := range [][2]string{{"X-Amz-Algorithm", q.Get("X-Amz-Algorithm")}, {"X-Amz-Credential", s.rawCrd}, {"X-Amz-SignedHeaders", headers}, {"X-Amz-Signature", s.signature}, {"X-Amz-Date", s.amzDate}, {"X-Amz-Expires", q.Get("X-Amz-Expires")}} {
			if p[1] == "" {
				return nil, &authError{kind: failIncomplete, msg: "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."}
			}
		}
		s.signedHeaders = strings.Split(headers, ";")
		secs, err := strconv.Atoi(q.Get("X-Amz-Expires"))
		if err != nil || secs < 1 {
			return nil, &authError{kind: failIncomplete, msg: "X-Amz-Expires must be a number of seconds from 1 to 604800 (a week)"}
		}
		if time.Duration(secs)*time.Second > maxPresignedTTL { // S3's words
			return nil, &authError{kind: failIncomplete, msg: "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"}
		}
		s.expires = time.Duration(secs) * time.Second
		s.token = q.Get("X-Amz-Security-Token")
	}
	parts := strings.Split(s.rawCrd, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" || parts[0] == "" {
		return nil, &authError{kind: failIncomplete, msg: fmt.Sprintf("Credential should be <access key>/<date>/<region>/<service>/aws4_request; got %q", s.rawCrd)}
	}
	s.accessKey, s.date, s.region, s.service = parts[0], parts[1], parts[2], parts[3]
	s.scope = strings.Join(parts[1:], "/")
	t, err := time.Parse(amzDateFormat, s.amzDate)
	if err != nil {
		return nil, &authError{kind: failIncomplete, msg: fmt.Sprintf("X-Amz-Date %q is not in ISO 8601 basic format (yyyyMMddTHHmmssZ)", s.amzDate)}
	}
	s.at = t
	return s, nil
}

// verify checks r's signature for the service r is routed to and returns the request to pass on
// (its body replaced by a checked copy or a checking reader) and the key's credential.
func (g *Gateway) verify(r *http.Request, service string) (*http.Request, Credential, *authError) {
	s, aerr := parseSignature(r)
	if aerr != nil {
		return nil, Credential{}, aerr
	}
	if s.service != service {
		// SigningName and parseSignature read one header one way; this holds should they ever part.
		return nil, Credential{}, &authError{kind: failSignature, msg: fmt.Sprintf("the request is routed to %q but signed for %q", service, s.service)}
	}
	cred, ok := g.opts.Keys.Lookup(s.accessKey)
	if !ok {
		return nil, Credential{}, &authError{kind: failUnknownKey, fields: [][2]string{{"AWSAccessKeyId", s.accessKey}}}
	}
	if subtle.ConstantTimeCompare([]byte(s.token), []byte(cred.SessionToken)) != 1 { // a secret, as the signature
		return nil, Credential{}, &authError{kind: failToken}
	}
	now := g.now()
	if s.presigned {
		if s.at.After(now.Add(maxClockSkew)) {
			return nil, Credential{}, &authError{kind: failExpired, msg: "Request is not valid yet"}
		}
		if now.After(s.at.Add(s.expires)) {
			return nil, Credential{}, &authError{kind: failExpired, msg: "Request has expired", fields: [][2]string{
				{"X-Amz-Expires", strconv.Itoa(int(s.expires / time.Second))},
				{"Expires", s.at.Add(s.expires).UTC().Format(time.RFC3339)},
				{"ServerTime", now.UTC().Format(time.RFC3339)}}}
		}
	} else if d := now.Sub(s.at); d > maxClockSkew || d < -maxClockSkew {
		e := &authError{kind: failSkew, fields: [][2]string{
			{"RequestTime", s.amzDate}, {"ServerTime", now.UTC().Format(time.RFC3339)},
			{"MaxAllowedSkewMilliseconds", strconv.Itoa(int(maxClockSkew / time.Millisecond))}}}
		if s.service != "s3" {
			if d > 0 {
				e.msg = fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)", s.amzDate,
					now.Add(-maxClockSkew).UTC().Format(amzDateFormat), now.UTC().Format(amzDateFormat))
			} else {
				e.msg = fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 15 min.)", s.amzDate,
					now.Add(maxClockSkew).UTC().Format(amzDateFormat), now.UTC().Format(amzDateFormat))
			}
		}
		return nil, Credential{}, e
	}
	if want := s.at.Format("20060102"); s.date != want {
		if s.service == "s3" {
			// S3 reads it as a malformed header or query (AuthorizationHeaderMalformed,
			// AuthorizationQueryParametersError), not as a wrong signature.
			msg := "The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date."
			if s.presigned {
				msg = fmt.Sprintf("Invalid credential date %q. This date is not the same as X-Amz-Date: %q.", s.date, want)
			}
			return nil, Credential{}, &authError{kind: failIncomplete, msg: msg}
		}
		return nil, Credential{}, &authError{kind: failSignature, msg: fmt.Sprintf(
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", s.date, want, s.amzDate)}
	}
	if g.opts.Region != "" && s.region != g.opts.Region {
		// AWS's words, then the local cloud's one region, so that the fix is in the message.
		msg := fmt.Sprintf("Credential should be scoped to a valid region. (The local cloud serves %s only; the request is signed for %s.)", g.opts.Region, s.region)
		switch {
		case s.service == "s3" && s.presigned:
			msg = fmt.Sprintf("Error parsing the X-Amz-Credential parameter; the region '%s' is wrong; expecting '%s'", s.region, g.opts.Region)
		case s.service == "s3":
			msg = fmt.Sprintf("The authorization header is malformed; the region '%s' is wrong; expecting '%s'", s.region, g.opts.Region)
		}
		return nil, Credential{}, &authError{kind: failRegion, msg: msg, fields: [][2]string{{"Region", g.opts.Region}}}
	}
	if !slicesContains(s.signedHeaders, "host") {
		return nil, Credential{}, &authError{kind: failSignature, msg: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."}
	}
	// X-Amz-Target names a JSON request's operation, and the body alone does not: unsigned, a
	// captured GetItem could be replayed as a DeleteItem of the same body. Every AWS SDK signs it.
	if r.Header.Get("X-Amz-Target") != "" && !slicesContains(s.signedHeaders, "x-amz-target") {
		return nil, Credential{}, &authError{kind: failSignature, msg: "'X-Amz-Target' names the operation and must be a 'SignedHeader' in the AWS Authorization."}
	}
	// S3 refuses a request carrying an x-amz-* header its signature does not cover (HeadersNotSigned):
	// a client that sends one works here only if it would work there. A presigned URL too (AWS: the
	// signed headers are host and "any x-amz-* headers that you plan to add to the request"): an
	// upload URL sent with an unsigned x-amz-copy-source copied any object its signer could read.
	if s.service == "s3" {
		var unsigned []string
		for k := range r.Header {
			if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-amz-") && !slicesContains(s.signedHeaders, lk) {
				unsigned = append(unsigned, lk)
			}
		}
		if len(unsigned) > 0 {
			sort.Strings(unsigned)
			return nil, Credential{}, &authError{kind: failUnsignedHeaders, msg: "There were headers present in the request which were not signed",
				fields: [][2]string{{"HeadersNotSigned", strings.Join(unsigned, ", ")}}}
		}
	}

	// The payload hash the client signed.
	declared := r.Header.Get("X-Amz-Content-Sha256")
	if s.service != "s3" && !isSHA256Hex(declared) {
		// Only S3 reads the payload's hash from x-amz-content-sha256 and knows its unsigned and
		// chunked forms; every other service hashes the body it got. An UNSIGNED-PAYLOAD there
		// left the body unprotected here (one signed for one parameter carried another's name).
		declared = ""
	}
	payloadHash := declared
	switch {
	case declared == "" && s.presigned && s.service == "s3":
		payloadHash = unsignedPayload
	case declared == "" && s.service == "s3":
		return nil, Credential{}, &authError{kind: failBadHash, msg: "Missing required header for this request: x-amz-content-sha256"}
	case declared == "":
		body, err := io.ReadAll(io.LimitReader(r.Body, maxHashedBody+1))
		if err != nil {
			return nil, Credential{}, &authError{kind: failIncomplete, msg: "reading the request body: " + err.Error()}
		}
		if len(body) > maxHashedBody {
			return nil, Credential{}, &authError{kind: failTooLarge, msg: fmt.Sprintf("The request body is larger than %d bytes.", maxHashedBody)}
		}
		sum := sha256.Sum256(body)
		payloadHash = hex.EncodeToString(sum[:])
		r.Body = io.NopCloser(bytes.NewReader(body))
	case declared == unsignedPayload, declared == streamingUnsignedTrailer, declared == streamingSigned, declared == streamingSignedTrailer:
	case isSHA256Hex(declared):
	default:
		return nil, Credential{}, &authError{kind: failBadHash, msg: "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, " +
			"STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value (SigV4a is not supported locally)."}
	}

	canonical := canonicalRequest(r, s, payloadHash)
	crHash := sha256.Sum256([]byte(canonical))
	stringToSign := sigAlgorithm + "\n" + s.amzDate + "\n" + s.scope + "\n" + hex.EncodeToString(crHash[:])
	key := signingKey(cred.SecretAccessKey, s.date, s.region, s.service)
	want := hex.EncodeToString(hmacSHA256(key, []byte(stringToSign)))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(s.signature))) {
		logged := canonical
		if s.token != "" {
			logged = strings.ReplaceAll(logged, s.token, "<session token>")
		}
		g.log.Info("gateway: signature does not match", "service", s.service, "accessKey", s.accessKey, "canonicalRequest", logged)
		return nil, Credential{}, &authError{kind: failSignature, fields: [][2]string{
			{"AWSAccessKeyId", s.accessKey}, {"StringToSign", stringToSign}, {"SignatureProvided", s.signature}, {"CanonicalRequest", canonical}}}
	}

	// The signature holds; now the body must be the one it covers, and have the checksums it says.
	var ds digests
	var keptOnly bool
	if s.service == "s3" {
		if ds, aerr = requestDigests(r); aerr != nil {
			return nil, Credential{}, aerr
		}
		if isObjectPut(r) {
			r, ds = ds.keep(r)
		}
		keptOnly = len(ds) == 1 && ds[0].computed
	}
	chunked := declared == streamingSigned || declared == streamingSignedTrailer || declared == streamingUnsignedTrailer
	encoding := strings.Join(r.Header.Values("Content-Encoding"), ",")
	saysChunked := strings.Contains(strings.ToLower(encoding), "aws-chunked")
	// The S3 behind decodes a body as aws-chunked when its Content-Encoding says so (fauxqs 1.9:
	// the text anywhere in the header), the gateway when its payload hash is a streaming one. An
	// aws-chunked body with a plain hash or UNSIGNED-PAYLOAD had its Content-MD5 and checksums
	// checked over the bytes sent and was stored as the data decoded from them: refused, as
	// S3-compatible stores refuse it, rather than read two ways.
	if s.service == "s3" && !chunked && saysChunked {
		return nil, Credential{}, &authError{kind: failChunkedEncoding, msg: fmt.Sprintf(
			"Content-Encoding aws-chunked needs a streaming x-amz-content-sha256 (%s, %s or %s); got %q", streamingSigned, streamingSignedTrailer, streamingUnsignedTrailer, declared)}
	}
	// The other way round, S3 reads a streaming payload as aws-chunked whatever Content-Encoding
	// says, and some clients send none (minio-go and the Java SDK v1, by OpenStack Swift's s3api
	// notes): the S3 behind stored such a body as sent, chunk headers and all. It is told.
	if chunked && !saysChunked {
		r.Header.Set("Content-Encoding", strings.TrimPrefix(encoding+",aws-chunked", ","))
	}
	var check io.Reader
	switch {
	case isSHA256Hex(declared):
		check = payloadCheck(r.Body, strings.ToLower(declared))
	case chunked:
		// S3 requires the decoded length of an aws-chunked body, and so does this check.
		decoded, err := strconv.ParseInt(r.Header.Get("X-Amz-Decoded-Content-Length"), 10, 64)
		if err != nil || decoded < 0 {
			return nil, Credential{}, &authError{kind: failIncomplete, msg: "an aws-chunked body needs x-amz-decoded-content-length: the length of its data, a number of bytes"}
		}
		check = &chunkVerifier{src: r.Body, key: key, amzDate: s.amzDate, scope: s.scope, prev: want, wantDecoded: decoded, ds: ds,
			trailer: declared != streamingSigned, unsigned: declared == streamingUnsignedTrailer}
	}
	// A body whose only check is the digest S3 keeps (no payload hash, no checksum given) has
	// nothing that can fail: it streams on as it comes, not read whole before the handler sees it.
	// An empty one is read here all the same: the proxy sends no body on, so the digest is made here.
	streamOn := keptOnly && check == nil && r.ContentLength != 0
	if len(ds) > 0 && !chunked {
		if check == nil {
			check = r.Body
		}
		check = &endCheck{src: check, w: ds, check: ds.check}
	}
	if check != nil {
		streamed := check
		// A body of unknown length (Transfer-Encoding: chunked) is read as far as the limit too:
		// one that ends there is checked before S3 sees it. A longer one is checked as it streams,
		// and a refusal at its end is answered by the proxy's ErrorHandler with the service's error.
		if r.ContentLength <= verifyBufferLimit && !streamOn {
			body, err := io.ReadAll(io.LimitReader(check, verifyBufferLimit+1))
			if err != nil {
				if ae, ok := err.(*authError); ok {
					return nil, Credential{}, ae
				}
				return nil, Credential{}, &authError{kind: failIncomplete, msg: "reading the request body: " + err.Error()}
			}
			streamed = io.MultiReader(bytes.NewReader(body), check)
			if len(body) <= verifyBufferLimit {
				streamed = nil
				r.Body = io.NopCloser(bytes.NewReader(body))
			}
		}
		if streamed != nil {
			r.Body = struct {
				io.Reader
				io.Closer
			}{streamed, r.Body}
		}
	}
	return r, cred, nil
}

func slicesContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// isHex reports whether s is one or more hexadecimal digits (no sign, no space).
func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789abcdefABCDEF", rune(s[i])) {
			return false
		}
	}
	return s != ""
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func hmacSHA256(key, data []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return m.Sum(nil)
}

// signingKeys caches derived keys: the four HMACs of signingKey were 2 % of the cloud's CPU under
// load, and a key changes only with the secret, the day, the region and the service. Bounded: cleared
// when it holds maxSigningKeys.
var signingKeys struct {
	sync.Mutex
	m map[string][]byte
}

const maxSigningKeys = 1024

func signingKey(secret, date, region, service string) []byte {
	id := secret + "\x00" + date + "\x00" + region + "\x00" + service
	signingKeys.Lock()
	k, ok := signingKeys.m[id]
	signingKeys.Unlock()
	if ok {
		return k
	}
	k = deriveSigningKey(secret, date, region, service)
	signingKeys.Lock()
	if signingKeys.m == nil || len(signingKeys.m) >= maxSigningKeys {
		signingKeys.m = make(map[string][]byte)
	}
	signingKeys.m[id] = k
	signingKeys.Unlock()
	return k
}

func deriveSigningKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), []byte(date))
	k = hmacSHA256(k, []byte(region))
	k = hmacSHA256(k, []byte(service))
	return hmacSHA256(k, []byte("aws4_request"))
}

// canonicalRequest builds SigV4's canonical request of r as it arrived.
func canonicalRequest(r *http.Request, s *sigRequest, payloadHash string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(wirePath(r), s.service == "s3"))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(wireQuery(r), s.presigned))
	b.WriteByte('\n')
	for _, name := range s.signedHeaders {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(canonicalHeaderValue(r, name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(s.signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// wirePath is the request's path exactly as the client sent it.
func wirePath(r *http.Request) string {
	uri := r.RequestURI
	if uri == "" || !strings.HasPrefix(uri, "/") { // built in process, or absolute-form
		return r.URL.EscapedPath()
	}
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		uri = uri[:i]
	}
	return uri
}

func wireQuery(r *http.Request) string {
	if r.RequestURI != "" && strings.HasPrefix(r.RequestURI, "/") {
		_, q, _ := strings.Cut(r.RequestURI, "?")
		return q
	}
	return r.URL.RawQuery
}

// canonicalURI: S3 decodes each segment once and encodes it once; the other services encode the
// path as sent once more (so %2F becomes %252F).
func canonicalURI(path string, s3 bool) string {
	if path == "" {
		return "/"
	}
	if !s3 {
		return uriEncode(path, true)
	}
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		if d, err := url.PathUnescape(seg); err == nil {
			seg = d
		}
		segs[i] = uriEncode(seg, false)
	}
	return strings.Join(segs, "/")
}

func canonicalQuery(raw string, presigned bool) string {
	if raw == "" {
		return ""
	}
	type kv struct{ k, v string }
	var pairs []kv
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if d, err := url.QueryUnescape(k); err == nil {
			k = d
		}
		if d, err := url.QueryUnescape(v); err == nil {
			v = d
		}
		if presigned && k == "X-Amz-Signature" {
			continue
		}
		pairs = append(pairs, kv{uriEncode(k, false), uriEncode(v, false)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// uriEncode percent-encodes every byte but RFC 3986's unreserved characters (and '/' when
// keepSlash), with upper-case hex: SigV4's UriEncode.
func uriEncode(s string, keepSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		case c == '/' && keepSlash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// canonicalHeaderValue is a signed header's values, each trimmed with inner runs of spaces made
// one, joined by commas.
func canonicalHeaderValue(r *http.Request, name string) string {
	var vals []string
	switch name {
	case "host":
		vals = []string{r.Host}
	case "content-length":
		vals = r.Header.Values("Content-Length")
		if len(vals) == 0 && r.ContentLength >= 0 {
			vals = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	case "transfer-encoding":
		vals = r.TransferEncoding
	default:
		vals = r.Header.Values(name)
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(out, ",")
}

// endCheck passes a body on, writing what it reads to w, and fails at its end if check does: the
// body's SHA-256 against x-amz-content-sha256 (payloadCheck), its checksums (digests). Its last
// byte is held back until the check has passed: a body streamed to the emulator with its length
// declared is then never whole there when the check fails. Passed on whole, the emulator could
// answer (and store the object) before the check's error ended the upload, and the client got 200
// for a body that did not match its hash (seen under load).
type endCheck struct {
	src     io.Reader
	w       io.Writer
	check   func() *authError
	err     error
	held    byte // the last byte read, not yet passed on (hasHeld)
	hasHeld bool
	passed  bool // the check passed: held is the body's last byte, then EOF
}

func (c *endCheck) Read(p []byte) (int, error) {
	switch {
	case c.err != nil:
		return 0, c.err
	case len(p) == 0:
		return 0, nil
	case c.passed:
		if !c.hasHeld {
			return 0, io.EOF
		}
		p[0], c.hasHeld = c.held, false
		return 1, io.EOF
	}
	n, err := c.src.Read(p)
	c.w.Write(p[:n])
	if n > 0 { // pass on the byte held before and these but the last, which is held now
		last := p[n-1]
		if c.hasHeld {
			copy(p[1:n], p[:n-1])
			p[0] = c.held
		} else {
			n--
		}
		c.held, c.hasHeld = last, true
	}
	if err != io.EOF {
		return n, err
	}
	if aerr := c.check(); aerr != nil {
		c.err = aerr
		return n, c.err
	}
	c.passed = true
	if c.hasHeld && n < len(p) {
		p[n], c.hasHeld = c.held, false
		return n + 1, io.EOF
	}
	return n, nil // the held byte comes with EOF on the next Read
}

// payloadCheck fails at the body's end if its SHA-256 is not want (hex, lower case).
func payloadCheck(src io.Reader, want string) *endCheck {
	h := sha256.New()
	return &endCheck{src: src, w: h, check: func() *authError {
		if got := hex.EncodeToString(h.Sum(nil)); got != want {
			return &authError{kind: failHashMismatch, fields: [][2]string{{"ClientComputedContentSHA256", want}, {"S3ComputedContentSHA256", got}}}
		}
		return nil
	}}
}

// chunkVerifier passes an aws-chunked body on unchanged (the emulator decodes it) and checks each
// chunk's signature, chained from the seed signature, and the trailer's signature:
//
//	<hex size>;chunk-signature=<sig>\r\n<data>\r\n ... 0;chunk-signature=<sig>\r\n[<trailers>]\r\n
//
// A chunk's signature is HMAC(key, "AWS4-HMAC-SHA256-PAYLOAD\n<date>\n<scope>\n<previous
// signature>\n<SHA-256 of "">\n<SHA-256 of the data>"); the trailer's
// HMAC(key, "AWS4-HMAC-SHA256-TRAILER\n<date>\n<scope>\n<previous signature>\n<SHA-256 of the
// trailer lines, each "name:value\n">").
type chunkVerifier struct {
	src     io.Reader
	br      *bufioReader
	key     []byte
	amzDate string
	scope   string
	prev    string
	trailer bool

	// wantDecoded is x-amz-decoded-content-length; decoded the data bytes the chunk headers have
	// announced so far. They must agree at the final chunk.
	wantDecoded, decoded int64
	// chunks counts the chunk headers read; lastSize is the size the previous one announced (a
	// chunk is known not to be the last data chunk only when another with data follows it).
	chunks   int
	lastSize int64
	// unsigned: STREAMING-UNSIGNED-PAYLOAD-TRAILER, chunks "<hex size>\r\n<data>\r\n" with no
	// signatures and trailers with none; ds the checksums of the data (its trailer's among them).
	unsigned bool
	ds       digests

	pending   []byte // bytes read but not yet passed on
	remaining int64  // data bytes left in the current chunk
	h         hash.Hash
	chunkSig  string
	state     int
	trailers  []string
	err       error
}

// minChunkSize is the least an aws-chunked chunk holds, but the last one with data: S3's
// chunked-upload page ("Chunk size must be at least 8 KB ... applies to all chunks except the last
// one"). S3 answers a smaller one InvalidChunkSizeError, for STREAMING-UNSIGNED-PAYLOAD-TRAILER
// too (the JS SDK v3 asks its users to buffer a stream that makes them).
const minChunkSize = 8192

const (
	chunkHeader = iota
	chunkData
	chunkEnd      // the CRLF after a chunk's data
	chunkTrailers // trailer lines up to an empty line
	chunkFinal    // the CRLF after the last chunk (no trailer)
	chunkDone
)

func (c *chunkVerifier) fail(msg string) error {
	if c.err == nil {
		c.err = &authError{kind: failSignature, msg: "aws-chunked body: " + msg}
	}
	return c.err
}

func (c *chunkVerifier) Read(p []byte) (int, error) {
	if c.br == nil {
		c.br = &bufioReader{src: c.src}
		c.h = sha256.New()
	}
	for {
		if len(c.pending) > 0 {
			n := copy(p, c.pending)
			c.pending = c.pending[n:]
			return n, nil
		}
		if c.err != nil {
			return 0, c.err
		}
		switch c.state {
		case chunkDone:
			// Nothing after the end: bytes there were accepted and not passed on.
			var one [1]byte
			if n, _ := c.br.read(one[:]); n > 0 {
				return 0, c.fail("data after the body's final chunk")
			}
			return 0, io.EOF
		case chunkHeader:
			line, err := c.br.line()
			if err != nil {
				return 0, c.fail("reading a chunk header: " + err.Error())
			}
			c.pending = append(c.pending[:0], line...)
			// CRLF, and no other CR: S3 behind the gateway splits the body at CRLF, and a header
			// ending in a bare LF was one line here and part of the next there (the data it
			// stored was not the data whose signature was checked).
			head, ok := bytes.CutSuffix(line, []byte("\r\n"))
			if !ok || bytes.IndexByte(head, '\r') >= 0 {
				return 0, c.fail(fmt.Sprintf("a chunk header does not end in CRLF: %q", line))
			}
			sizeHex, ext, hasExt := strings.Cut(string(head), ";")
			size, err := strconv.ParseInt(sizeHex, 16, 64)
			if !isHex(sizeHex) || err != nil {
				return 0, c.fail(fmt.Sprintf("bad chunk size in %q", head))
			}
			c.chunks++
			if size > 0 && c.chunks > 1 && c.lastSize < minChunkSize {
				c.err = &authError{kind: failChunkSize, msg: "Only the last chunk is allowed to have a size less than 8192 bytes",
					fields: [][2]string{{"Chunk", strconv.Itoa(c.chunks - 1)}, {"BadChunkSize", strconv.FormatInt(c.lastSize, 10)}}}
				return 0, c.err
			}
			c.lastSize = size
			c.decoded += size
			if size == 0 && c.decoded != c.wantDecoded {
				return 0, c.fail(fmt.Sprintf("%d bytes of data in its chunks; x-amz-decoded-content-length says %d", c.decoded, c.wantDecoded))
			}
			if c.unsigned {
				if hasExt { // an empty one ("5;") too: not chunk syntax, and no client sends it
					return 0, c.fail(fmt.Sprintf("an unsigned chunk with an extension: %q", head))
				}
			} else {
				sig, ok := strings.CutPrefix(strings.TrimSpace(ext), "chunk-signature=")
				if !ok {
					return 0, c.fail(fmt.Sprintf("chunk without chunk-signature: %q", head))
				}
				c.chunkSig = sig
			}
			c.remaining = size
			c.h.Reset()
			if size > 0 {
				c.state = chunkData
				continue
			}
			if err := c.checkChunk(); err != nil {
				return 0, err
			}
			if c.trailer {
				c.state = chunkTrailers
			} else {
				c.state = chunkFinal
			}
		case chunkData:
			n := len(p)
			if int64(n) > c.remaining {
				n = int(c.remaining)
			}
			n, err := c.br.read(p[:n])
			if !c.unsigned {
				c.h.Write(p[:n]) // for the chunk's signature
			}
			c.ds.Write(p[:n])
			c.remaining -= int64(n)
			if c.remaining == 0 {
				c.state = chunkEnd
			}
			if err != nil && n == 0 {
				return 0, c.fail("truncated chunk data: " + err.Error())
			}
			return n, nil
		case chunkEnd, chunkFinal:
			line, err := c.br.line()
			if err != nil || string(line) != "\r\n" {
				return 0, c.fail("a chunk's data is not followed by CRLF")
			}
			c.pending = append(c.pending[:0], line...)
			if c.state == chunkFinal {
				if err := c.done(); err != nil {
					return 0, err
				}
				continue
			}
			if err := c.checkChunk(); err != nil {
				return 0, err
			}
			c.state = chunkHeader
		case chunkTrailers:
			line, err := c.br.line()
			if err != nil {
				return 0, c.fail("reading the trailer: " + err.Error())
			}
			c.pending = append(c.pending[:0], line...)
			trimmed, ok := bytes.CutSuffix(line, []byte("\r\n"))
			if !ok || bytes.IndexByte(trimmed, '\r') >= 0 {
				return 0, c.fail(fmt.Sprintf("a trailer line does not end in CRLF: %q", line))
			}
			text := string(trimmed)
			if text == "" && c.unsigned {
				if err := c.done(); err != nil {
					return 0, err
				}
				continue
			}
			if text == "" {
				return 0, c.fail("trailer without x-amz-trailer-signature")
			}
			name, value, _ := strings.Cut(text, ":")
			name = strings.ToLower(strings.TrimSpace(name))
			c.ds.fromTrailer(name, strings.TrimSpace(value))
			if c.unsigned {
				continue
			}
			if name != "x-amz-trailer-signature" {
				c.trailers = append(c.trailers, name+":"+strings.TrimSpace(value)+"\n") // for the trailer's signature
				continue
			}
			sum := sha256.Sum256([]byte(strings.Join(c.trailers, "")))
			sts := "AWS4-HMAC-SHA256-TRAILER\n" + c.amzDate + "\n" + c.scope + "\n" + c.prev + "\n" + hex.EncodeToString(sum[:])
			want := hex.EncodeToString(hmacSHA256(c.key, []byte(sts)))
			if !hmac.Equal([]byte(want), []byte(strings.TrimSpace(value))) {
				return 0, c.fail("the trailer's signature does not match")
			}
			c.state = chunkFinal
		}
	}
}

// done ends the body: its data must have the checksums it announced.
func (c *chunkVerifier) done() error {
	c.state = chunkDone
	if aerr := c.ds.check(); aerr != nil {
		c.err = aerr
		return aerr
	}
	return nil
}

func (c *chunkVerifier) checkChunk() error {
	if c.unsigned {
		return nil
	}
	sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + c.amzDate + "\n" + c.scope + "\n" + c.prev + "\n" + emptySHA256 + "\n" + hex.EncodeToString(c.h.Sum(nil))
	want := hex.EncodeToString(hmacSHA256(c.key, []byte(sts)))
	if !hmac.Equal([]byte(want), []byte(c.chunkSig)) {
		return c.fail("a chunk's signature does not match")
	}
	c.prev = want
	return nil
}

// bufioReader reads lines (bounded) and bytes from src with its own small buffer.
type bufioReader struct {
	src io.Reader
	buf []byte
	err error
}

const maxChunkLine = 4096

func (b *bufioReader) fill() {
	if b.err != nil {
		return
	}
	tmp := make([]byte, 8192)
	n, err := b.src.Read(tmp)
	b.buf = append(b.buf, tmp[:n]...)
	if err != nil {
		b.err = err
	}
}

// line returns the next line, its "\n" included.
func (b *bufioReader) line() ([]byte, error) {
	for {
		if i := bytes.IndexByte(b.buf, '\n'); i >= 0 {
			line := append([]byte(nil), b.buf[:i+1]...)
			b.buf = b.buf[i+1:]
			return line, nil
		}
		if len(b.buf) > maxChunkLine {
			return nil, fmt.Errorf("line longer than %d bytes", maxChunkLine)
		}
		if b.err != nil {
			if b.err == io.EOF {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, b.err
		}
		b.fill()
	}
}

func (b *bufioReader) read(p []byte) (int, error) {
	if len(b.buf) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		b.fill()
	}
	n := copy(p, b.buf)
	b.buf = b.buf[n:]
	return n, nil
}

// The principal of a verified request, for the authorization step and the services behind.
type principalKey struct{}

// PrincipalFrom returns the principal whose key signed the request ctx belongs to: a role ARN,
// the account (arn:aws:iam::<account>:root), or a service principal (s3.amazonaws.com). ok is
// false when the gateway did not verify the request (a gateway without Options.Keys).
func PrincipalFrom(ctx context.Context) (principal string, ok bool) {
	p, ok := ctx.Value(principalKey{}).(string)
	return p, ok
}

// WithPrincipal returns ctx carrying principal, as the gateway puts it on a verified request (for
// tests of handlers that read PrincipalFrom).
func WithPrincipal(ctx context.Context, principal string) context.Context {
	return context.WithValue(ctx, principalKey{}, principal)
}

type sessionKey struct{}

// CallerFrom returns the ARN that signed the request ctx belongs to, as AWS names it in a denial:
// the role session's (Credential.Session) for a RoleSessionKey, otherwise the principal.
func CallerFrom(ctx context.Context) string {
	if s, ok := ctx.Value(sessionKey{}).(string); ok {
		return s
	}
	p, _ := PrincipalFrom(ctx)
	return p
}
