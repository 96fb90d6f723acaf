package failure

import (
	"context"
	"sync"

	"github.com/chaoslab/serverless-chaos-lab/functions/failure/faultconfig"
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
	id    string            // snapshot.id the dice were rolled for
	fired []bool            // by index into that snapshot's cfg.Faults
	ev    faultconfig.Event // the invocation's event, for match conditions
}

// decide rolls the dice for the invocation-scoped SDK-level faults of s, in config order. A
// fault whose match conditions the event fails does not fire (and rolls no dice, as in 1.0).
func (i *Injector) decide(ctx context.Context, s *snapshot, ev faultconfig.Event) []bool {
	fired := make([]bool, len(s.cfg.Faults))
	for n := range s.cfg.Faults {
		if f := &s.cfg.Faults[n]; f.SDKLevel() && f.Scope == ScopeInvocation {
			fired[n] = i.matches(ctx, s, f, ev) && i.fires(f)
		}
	}
	return fired
}

// withDecision returns ctx carrying the dice of a new invocation under s, with event ev.
func (i *Injector) withDecision(ctx context.Context, s *snapshot, ev faultconfig.Event) context.Context {
	return context.WithValue(ctx, decisionKey{}, &decision{id: s.id, fired: i.decide(ctx, s, ev), ev: ev})
}

// firesOnCall reports whether the SDK-level fault n of s fires for one SDK call made with ctx.
// ScopeCall faults roll per call. ScopeInvocation faults follow the invocation's decision; when
// the config changed during the invocation (a new value or version, not a mere refetch of the
// same one) the invocation rolls once more for the new config and keeps that. Without a decision
// in ctx (a call outside any wrapped invocation: init code, a goroutine on context.Background())
// an invocation-scoped fault rolls per call, unless it has match conditions: without the
// invocation's event they cannot hold, and it does not fire.
func (i *Injector) firesOnCall(ctx context.Context, s *snapshot, n int) bool {
	f := &s.cfg.Faults[n]
	gated := len(f.Match) > 0
	if f.Scope != ScopeInvocation || (!gated && (f.Rate >= 1 || f.Rate <= 0)) {
		return i.fires(f)
	}
	d, ok := ctx.Value(decisionKey{}).(*decision)
	if !ok {
		return !gated && i.fires(f)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.id != s.id {
		d.id, d.fired = s.id, i.decide(ctx, s, d.ev)
	}
	return d.fired[n]
}
