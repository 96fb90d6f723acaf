package sts

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// GetCallerIdentity answers the key that signed the request: the account's root user for the
// user's key, a role's session for a sandbox's, the role's unique id the same in every start.
func TestIdentity(t *testing.T) {
	root, ok := Identity("arn:aws:iam::000000000000:root")
	if !ok || root != (Caller{Arn: "arn:aws:iam::000000000000:root", UserID: "000000000000", Account: "000000000000"}) {
		t.Errorf("root: %+v %v", root, ok)
	}
	session := "arn:aws:sts::000000000000:assumed-role/Fn-Role/orders-etl"
	s, ok := Identity(session)
	if !ok || s.Arn != session || s.Account != "000000000000" || !strings.HasSuffix(s.UserID, ":orders-etl") ||
		len(strings.TrimSuffix(s.UserID, ":orders-etl")) != 21 || !strings.HasPrefix(s.UserID, "AROA") {
		t.Errorf("session: %+v %v, want AROA and 17 characters, then the session's name", s, ok)
	}
	if again, _ := Identity(session); again != s {
		t.Errorf("the role's id changed: %s then %s", s.UserID, again.UserID)
	}
	if other, _ := Identity("arn:aws:sts::000000000000:assumed-role/Other/orders-etl"); other.UserID == s.UserID {
		t.Errorf("two roles share the id %s", s.UserID)
	}
	for _, caller := range []string{"s3.amazonaws.com", "", "arn:aws:iam::000000000000:user/x", "arn:aws:sts::000000000000:assumed-role/NoSession"} {
		if c, ok := Identity(caller); ok {
			t.Errorf("Identity(%q) = %+v, want none", caller, c)
		}
	}
}

func TestHandler(t *testing.T) {
	call := func(principal, method, target, body string) (int, string) {
		req := httptest.NewRequest(method, target, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req = req.WithContext(gateway.WithPrincipal(context.Background(), principal))
		rec := httptest.NewRecorder()
		Handler{}.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	form := url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}.Encode()
	for _, c := range []struct{ method, target, body string }{{"POST", "/", form}, {"GET", "/?" + form, ""}} {
		status, out := call("arn:aws:iam::000000000000:root", c.method, c.target, c.body)
		var got struct {
			XMLName   xml.Name
			Arn       string `xml:"GetCallerIdentityResult>Arn"`
			Account   string `xml:"GetCallerIdentityResult>Account"`
			RequestID string `xml:"ResponseMetadata>RequestId"`
		}
		if err := xml.Unmarshal([]byte(out), &got); status != http.StatusOK || err != nil || got.XMLName.Local != "GetCallerIdentityResponse" ||
			got.XMLName.Space != "https://sts.amazonaws.com/doc/2011-06-15/" || got.Arn != "arn:aws:iam::000000000000:root" ||
			got.Account != "000000000000" || got.RequestID == "" {
			t.Errorf("%s: %d %s (%v)", c.method, status, out, err)
		}
	}
	if status, out := call("arn:aws:iam::000000000000:root", "POST", "/", "Action=AssumeRole&Version=2011-06-15"); status != 400 ||
		!strings.Contains(out, "<Code>InvalidAction</Code>") || !strings.Contains(out, "GetCallerIdentity only") {
		t.Errorf("AssumeRole: %d %s", status, out)
	}
	if status, out := call("arn:aws:iam::000000000000:root", "POST", "/", "Version=2011-06-15"); status != 400 || !strings.Contains(out, "<Code>MissingAction</Code>") {
		t.Errorf("no Action: %d %s", status, out)
	}
	if status, out := call("s3.amazonaws.com", "POST", "/", form); status != 403 || !strings.Contains(out, "AccessDenied") {
		t.Errorf("a service principal: %d %s", status, out)
	}
}
