package gateway

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"strings"

	"github.com/aws/smithy-go/encoding/cbor"
)

// Error is an AWS error a hook (Options.Authorize) refuses a request with; the gateway answers it
// in the protocol of the request (JSON, CBOR, query XML, S3 XML).
type Error struct {
	Status  int    // HTTP status, e.g. 403
	Code    string // e.g. AccessDenied, AccessDeniedException
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// authCode is the HTTP status and error code each service answers a failed authentication with.
// S3 has its own codes; the query-protocol services (SQS, SNS, CloudWatch) answer
// InvalidClientTokenId / SignatureDoesNotMatch with 403, IncompleteSignature with 400; the JSON services
// UnrecognizedClientException / InvalidSignatureException, with 400 (DynamoDB, SSM, Step
// Functions, CloudWatch Logs) or 403 (Lambda).
func authCode(service string, e *authError, presigned bool) (int, string) {
	if service == "s3" {
		switch e.kind {
		case failIncomplete, failRegion:
			if presigned {
				return 400, "AuthorizationQueryParametersError"
			}
			return 400, "AuthorizationHeaderMalformed"
		case failUnknownKey:
			return 403, "InvalidAccessKeyId"
		case failToken:
			return 400, "InvalidToken"
		case failSkew:
			return 403, "RequestTimeTooSkewed"
		case failExpired, failUnsignedHeaders:
			return 403, "AccessDenied"
		case failHashMismatch:
			return 400, "XAmzContentSHA256Mismatch"
		case failBadHash:
			if strings.HasPrefix(e.msg, "Missing") {
				return 400, "InvalidRequest"
			}
			return 400, "InvalidArgument"
		case failTwoMechanisms:
			return 400, "InvalidArgument"
		case failTooLarge:
			return 400, "EntityTooLarge"
		case failUnsupported:
			return 400, "InvalidRequest"
		case failBadDigest:
			return 400, "BadDigest"
		case failInvalidDigest:
			return 400, "InvalidDigest"
		case failBadTrailer, failInvalidChecksum:
			return 400, "InvalidRequest"
		case failChunkSize:
			return 400, "InvalidChunkSizeError"
		case failChunkedEncoding:
			return 400, "InvalidArgument"
		case failNotImplemented:
			return 501, "NotImplemented"
		}
		return 403, "SignatureDoesNotMatch"
	}
	switch service {
	case "dynamodb", "ssm", "states", "logs", "lambda":
		status := 400
		if service == "lambda" {
			status = 403
		}
		switch e.kind {
		case failIncomplete, failUnsupported, failBadHash, failTwoMechanisms:
			if strings.HasPrefix(e.msg, "Request is missing") {
				return status, "MissingAuthenticationTokenException"
			}
			return status, "IncompleteSignatureException"
		case failUnknownKey, failToken:
			return status, "UnrecognizedClientException"
		case failTooLarge:
			return 413, "RequestEntityTooLargeException"
		}
		return status, "InvalidSignatureException"
	}
	// sqs, sns, monitoring and anything else: the query family. IncompleteSignature is 400 (the
	// services' Common Errors pages; SQS answers a Date not in ISO 8601 so), the rest 403.
	switch e.kind {
	case failIncomplete, failUnsupported, failBadHash, failTwoMechanisms:
		if strings.HasPrefix(e.msg, "Request is missing") {
			return 403, "MissingAuthenticationToken"
		}
		return 400, "IncompleteSignature"
	case failUnknownKey, failToken:
		return 403, "InvalidClientTokenId"
	case failExpired:
		return 403, "RequestExpired"
	case failTooLarge:
		return 413, "RequestEntityTooLarge"
	}
	return 403, "SignatureDoesNotMatch"
}

func authMessage(service string, e *authError) string {
	if e.msg != "" {
		return e.msg
	}
	switch e.kind {
	case failUnknownKey:
		if service == "s3" {
			return "The AWS Access Key Id you provided does not exist in our records."
		}
		return "The security token included in the request is invalid."
	case failToken:
		if service == "s3" {
			return "The provided token is malformed or otherwise invalid."
		}
		return "The security token included in the request is invalid."
	case failSkew:
		return "The difference between the request time and the current time is too large."
	case failHashMismatch:
		return "The provided 'x-amz-content-sha256' header does not match what was computed."
	}
	if service == "s3" {
		return "The request signature we calculated does not match the signature you provided. Check your key and signing method."
	}
	return "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
}

// writeAuthError answers a request the gateway refused, in its service's protocol.
func writeAuthError(w http.ResponseWriter, r *http.Request, service string, e *authError, presigned bool) {
	status, code := authCode(service, e, presigned)
	writeServiceError(w, r, service, status, code, authMessage(service, e), e.fields)
}

// writeRefusal answers a request an Authorize hook refused.
func writeRefusal(w http.ResponseWriter, r *http.Request, service string, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Status: 403, Code: "AccessDenied", Message: err.Error()}
		switch service {
		case "dynamodb", "ssm", "states":
			e.Status, e.Code = 400, "AccessDeniedException"
		case "lambda":
			e.Code = "AccessDeniedException"
		case "sns":
			e.Code = "AuthorizationError"
		}
	}
	writeServiceError(w, r, service, e.Status, e.Code, e.Message, nil)
}

// writeServiceError writes an error document as the request's protocol has it:
//
//	s3                          <Error><Code>…</Code><Message>…</Message>…</Error>
//	X-Amz-Target (awsJson)      {"__type": "…", "message": "…"}, x-amzn-query-error for SQS
//	Smithy-Protocol rpc-v2-cbor the same map in CBOR
//	lambda (restJson)           {"Type": "User", "message": "…"} with X-Amzn-ErrorType
//	query (sqs, sns, monitoring) <ErrorResponse><Error><Type>Sender</Type><Code>…
func writeServiceError(w http.ResponseWriter, r *http.Request, service string, status int, code, msg string, fields [][2]string) {
	h := w.Header()
	h.Set("X-Amzn-ErrorType", code)
	switch {
	case service == "s3":
		id := S3RequestID(w)
		h.Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		var b strings.Builder
		b.WriteString(xml.Header)
		b.WriteString("<Error><Code>")
		xml.EscapeText(&b, []byte(code))
		b.WriteString("</Code><Message>")
		xml.EscapeText(&b, []byte(msg))
		b.WriteString("</Message>")
		for _, f := range fields {
			b.WriteString("<" + f[0] + ">")
			xml.EscapeText(&b, []byte(f[1]))
			b.WriteString("</" + f[0] + ">")
		}
		b.WriteString("<RequestId>")
		xml.EscapeText(&b, []byte(id))
		b.WriteString("</RequestId><HostId>local</HostId></Error>")
		_, _ = w.Write([]byte(b.String()))
	case strings.EqualFold(r.Header.Get("Smithy-Protocol"), "rpc-v2-cbor"):
		h.Set("Smithy-Protocol", "rpc-v2-cbor")
		h.Set("Content-Type", "application/cbor")
		w.WriteHeader(status)
		_, _ = w.Write(cbor.Encode(cbor.Map{"__type": cbor.String(code), "message": cbor.String(msg)}))
	case r.Header.Get("X-Amz-Target") != "":
		ct := r.Header.Get("Content-Type")
		if !strings.HasPrefix(ct, "application/x-amz-json-") {
			ct = "application/x-amz-json-1.1"
		}
		h.Set("Content-Type", ct)
		if service == "sqs" || service == "monitoring" {
			h.Set("X-Amzn-Query-Error", code+";Sender")
		}
		w.WriteHeader(status)
		b, _ := json.Marshal(map[string]string{"__type": code, "message": msg})
		_, _ = w.Write(b)
	case service == "lambda":
		h.Set("Content-Type", "application/json")
		w.WriteHeader(status)
		b, _ := json.Marshal(map[string]string{"Type": "User", "message": msg})
		_, _ = w.Write(b)
	case service == "dynamodb" || service == "ssm" || service == "states":
		h.Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(status)
		b, _ := json.Marshal(map[string]string{"__type": code, "message": msg})
		_, _ = w.Write(b)
	default:
		writeErrorResponse(w, status, code, msg)
	}
}
