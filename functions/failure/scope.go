package failure

import (
	"context"
	"sync"
)

// decisionKey is the context key under which Wrap leaves an invocation's dice for the SDK calls
// it makes. The SDK hands the context of each operation call down to its HTTP client (smithy-go's
// ClientHandler builds the *http.Request with it), so a handler that passes its ctx to the SDK, or
// a context derived from it (context.WithoutCancel keeps values too), carries the decision.
type decisionKey struct{}

// decision holds the dice one invocation rolled for the invocation-scoped SDK-level faults of
// the config in effect. It is shared by every goroutine of the invocation.
type decision struct {
	mu    sync.Mutex
	id    string // snapshot.id the dice were rolled for
	fired []bool // by index into that snapshot's cfg.Faults
}

// decide rolls the dice for the invocation-scoped SDK-level faults of s, in config order.
func (i *Injector) decide(s *snapshot) []bool {
	fired := make([]bool, len(s.cfg.Faults))
	for n := range s.cfg.Faults {
		if f := &s.cfg.Faults[n]; f.SDKLevel() && f.Scope == ScopeInvocation {
			fired[n] = i.fires(f)
		}
	}
	return fired
}

// withDecision returns ctx carrying the dice of a new invocation under s.
func (i *Injector) withDecision(ctx context.Context, s *snapshot) context.Context {
	return context.WithValue(ctx, decisionKey{}, &decision{id: s.id, fired: i.decide(s)})
}

// firesOnCall reports whether the SDK-level fault n of s fires for one SDK call made with ctx.
// ScopeCall faults roll per call. ScopeInvocation faults follow the invocation's decision; when
// the config changed during the invocation (a new value or version, not a mere refetch of the
// same one) the invocation rolls once more for the new config and keeps that. Without a decision
// in ctx (a call outside any wrapped invocation: init code, a goroutine on context.Background())
// an invocation-scoped fault rolls per call.
func (i *Injector) firesOnCall(ctx context.Context, s *snapshot, n int) bool {
	f := &s.cfg.Faults[n]
	if f.Scope != ScopeInvocation || f.Rate >= 1 || f.Rate <= 0 {
		return i.fires(f)
	}
	d, ok := ctx.Value(decisionKey{}).(*decision)
	if !ok {
		return i.fires(f)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.id != s.id {
		d.id, d.fired = s.id, i.decide(s)
	}
	return d.fired[n]
}
