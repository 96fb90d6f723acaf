package gateway

import (
	"crypto/rand"
	"strings"
	"sync"
)

// Credential is one access key the gateway accepts and the principal whose requests it signs.
type Credential struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken is "" for a long-term key (AKIA...). A temporary key (ASIA..., what Lambda gives
	// a function for its role) has one, and a request signed with it must carry it in
	// X-Amz-Security-Token, as in AWS.
	SessionToken string
	// Principal is who the key stands for: a role ARN (arn:aws:iam::<account>:role/<name>), the
	// account (arn:aws:iam::<account>:root), or a service principal (s3.amazonaws.com).
	Principal string
	// Session is the ARN of the role session a RoleSessionKey signs as
	// (arn:aws:sts::<account>:assumed-role/<role name>/<session name>): the caller AWS names in its
	// messages. "" for every other key.
	Session string
}

// Keys finds the credential of an access key id.
type Keys interface {
	Lookup(accessKeyID string) (Credential, bool)
}

// KeyStore makes and holds the access keys a gateway accepts. Safe for concurrent use.
type KeyStore struct {
	mu          sync.RWMutex
	byID        map[string]Credential
	byPrincipal map[string]Credential // temporary keys: a principal's (SessionKey), a role session's (RoleSessionKey)
}

// NewKeyStore returns an empty KeyStore.
func NewKeyStore() *KeyStore {
	return &KeyStore{byID: map[string]Credential{}, byPrincipal: map[string]Credential{}}
}

// Lookup implements Keys.
func (k *KeyStore) Lookup(accessKeyID string) (Credential, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	c, ok := k.byID[accessKeyID]
	return c, ok
}

// Add accepts c from now on (a key made elsewhere, e.g. a test's fixed one).
func (k *KeyStore) Add(c Credential) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.byID[c.AccessKeyID] = c
}

// NewKey makes a long-term key (AKIA + 16 characters, a 40-character secret) for principal.
func (k *KeyStore) NewKey(principal string) Credential {
	c := Credential{AccessKeyID: "AKIA" + randomString(16, upperBase32), SecretAccessKey: randomString(40, alnum), Principal: principal}
	k.Add(c)
	return c
}

// RoleSessionKey returns the temporary key of role's session named session (what Lambda gives a
// function: a session of its execution role named after the function), made at the first call and
// the same afterwards. Its Principal is role; its Session the session's ARN.
func (k *KeyStore) RoleSessionKey(role, session string) Credential {
	return k.temporary(role+"\x00"+session, role, SessionArn(role, session))
}

// SessionArn is the ARN of role's session named session: arn:aws:sts::<account>:assumed-role/<role
// name>/<session> (the role's path is not part of it). A role that is not an IAM role ARN is returned
// as it is.
func SessionArn(role, session string) string {
	parts := strings.SplitN(role, ":", 6)
	if len(parts) != 6 || parts[2] != "iam" || !strings.HasPrefix(parts[5], "role/") {
		return role
	}
	name := parts[5][strings.LastIndex(parts[5], "/")+1:]
	return "arn:aws:sts::" + parts[4] + ":assumed-role/" + name + "/" + session
}

// SessionKey returns principal's temporary key (ASIA..., with a session token), made at the first
// call: one key per principal, as the local cloud gives each role one.
func (k *KeyStore) SessionKey(principal string) Credential {
	return k.temporary(principal, principal, "")
}

// temporary returns the temporary key held under id (ASIA..., with a session token), made for
// principal and session at the first call.
func (k *KeyStore) temporary(id, principal, session string) Credential {
	k.mu.Lock()
	defer k.mu.Unlock()
	if c, ok := k.byPrincipal[id]; ok {
		return c
	}
	c := Credential{
		AccessKeyID:     "ASIA" + randomString(16, upperBase32),
		SecretAccessKey: randomString(40, alnum),
		SessionToken:    randomString(128, alnum),
		Principal:       principal,
		Session:         session,
	}
	k.byID[c.AccessKeyID] = c
	k.byPrincipal[id] = c
	return c
}

const (
	upperBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	// alnum keeps secrets safe to paste into a shell unquoted (`eval "$(chaoslab local env)"`).
	alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// randomString draws n characters of alphabet from crypto/rand, without modulo bias.
func randomString(n int, alphabet string) string {
	out := make([]byte, 0, n)
	var buf [64]byte
	limit := 256 - 256%len(alphabet)
	for len(out) < n {
		rand.Read(buf[:])
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}
