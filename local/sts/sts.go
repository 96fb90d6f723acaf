// Package sts is the local cloud's AWS Security Token Service: GetCallerIdentity, the call a user
// makes first to see which credentials a shell has (`aws sts get-caller-identity`), answered for
// the key that signed it: the account's root user for the user's key, a role's session for a
// function's sandbox. A state machine's task signs with its role's key, which names no session:
// it has no identity here (AWS's is a session of the role that Step Functions names). The local
// cloud makes its keys itself (package gateway), so STS's other actions, which make keys, are not
// served.
//
// GetCallerIdentity needs no permission, and an explicit Deny of sts:GetCallerIdentity does not
// stop it (the API reference), so the cloud's IAM does not decide it.
package sts

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// Handler answers STS's query protocol (a form POSTed, or a GET with Action).
type Handler struct{}

// Caller is GetCallerIdentity's answer.
type Caller struct {
	Arn     string `xml:"Arn"`
	UserID  string `xml:"UserId"`
	Account string `xml:"Account"`
}

type response struct {
	XMLName   xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ GetCallerIdentityResponse"`
	Result    Caller   `xml:"GetCallerIdentityResult"`
	RequestID string   `xml:"ResponseMetadata>RequestId"`
}

func (Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		gateway.WriteError(w, r, http.StatusBadRequest, "MalformedQueryString", err.Error())
		return
	}
	switch action := r.Form.Get("Action"); action {
	case "GetCallerIdentity":
	case "":
		gateway.WriteError(w, r, http.StatusBadRequest, "MissingAction", "The request must contain the parameter Action.")
		return
	default:
		gateway.WriteError(w, r, http.StatusBadRequest, "InvalidAction",
			"The action "+action+" is not valid for this web service: the local cloud's STS answers GetCallerIdentity only (it makes its keys itself)")
		return
	}
	id, ok := Identity(gateway.CallerFrom(r.Context()))
	if !ok {
		gateway.WriteError(w, r, http.StatusForbidden, "AccessDenied", "the local cloud has no identity for this key's principal ("+gateway.CallerFrom(r.Context())+"): GetCallerIdentity names the account's root user (the user's key) and a function's role session")
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	_ = xml.NewEncoder(w).Encode(response{Result: id, RequestID: gateway.RequestID(w)})
}

// Identity is GetCallerIdentity's answer for the caller ARN: the account's root user
// (arn:aws:iam::<account>:root, whose UserId is the account), or a role's session
// (arn:aws:sts::<account>:assumed-role/<role>/<session>, whose UserId is the role's unique id and
// the session's name). false for any other caller: a service principal, which calls no STS, or a
// role without a session.
func Identity(caller string) (Caller, bool) {
	parts := strings.SplitN(caller, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[4] == "" {
		return Caller{}, false
	}
	account := parts[4]
	switch {
	case parts[2] == "iam" && parts[5] == "root":
		return Caller{Arn: caller, UserID: account, Account: account}, true
	case parts[2] == "sts" && strings.HasPrefix(parts[5], "assumed-role/"):
		role, session, ok := strings.Cut(strings.TrimPrefix(parts[5], "assumed-role/"), "/")
		if !ok || role == "" || session == "" {
			return Caller{}, false
		}
		return Caller{Arn: caller, UserID: roleID(account, role) + ":" + session, Account: account}, true
	}
	return Caller{}, false
}

// roleID is a role's unique id as IAM shapes one (AROA and 17 of A-Z and 2-7), the same for the
// same role in every start of the cloud: the local cloud has no IAM to keep one.
func roleID(account, role string) string {
	sum := sha256.Sum256([]byte(account + "/" + role))
	return "AROA" + base32.StdEncoding.EncodeToString(sum[:])[:17]
}
