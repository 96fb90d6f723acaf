package iam

import (
	"fmt"
	"sort"
	"strings"
)

// Grant is one statement as it applies to one principal: what the principal may (or may not) do.
type Grant struct {
	// Principal is a role ARN, a service principal, an account id, or "*" (everyone).
	Principal string
	// Allow is false for a Deny.
	Allow bool
	// Actions as written; NotAction when the statement names the actions it does not cover.
	Actions   []string
	NotAction bool
	// Resources as written ("*" included); NotResource likewise.
	Resources   []string
	NotResource bool
	// Conditions rendered as "<operator> <key>=<value>|<value>", all of which must hold.
	Conditions []string
	Statement  StatementRef
	PolicyType string // identity-based or resource-based
}

// String renders the grant on one line:
// "allow s3:GetObject on arn:aws:s3:::b/input/* [PipelineFunctionRoleDefaultPolicy… statement ReadInputDocuments]".
func (g Grant) String() string {
	return g.Clause(strings.Join(g.Actions, ", ")) + fmt.Sprintf(" [%s]", g.Statement)
}

// Clause renders the grant without its statement, "allow s3:GetObject on arn:aws:s3:::b/input/*
// if …", with its actions written as the caller gives them (String joins them with ", ").
func (g Grant) Clause(actions string) string {
	var b strings.Builder
	if g.Allow {
		b.WriteString("allow ")
	} else {
		b.WriteString("deny ")
	}
	if g.NotAction {
		b.WriteString("all but ")
	}
	b.WriteString(actions)
	b.WriteString(" on ")
	if g.NotResource {
		b.WriteString("all but ")
	}
	b.WriteString(strings.Join(g.Resources, ", "))
	if len(g.Conditions) > 0 {
		b.WriteString(" if " + strings.Join(g.Conditions, " and "))
	}
	return b.String()
}

func (st *statement) grant(principal, attached string) Grant {
	g := Grant{
		Principal: principal, Allow: st.allow, NotAction: st.notAction, NotResource: st.notResource,
		Statement: st.ref, PolicyType: st.kind.String(),
	}
	g.Actions = append(g.Actions, st.written...)
	g.Resources = append(g.Resources, st.resources...)
	if st.resources == nil {
		g.Resources = []string{attached}
	}
	for i := range st.conditions {
		g.Conditions = append(g.Conditions, st.conditions[i].String())
	}
	return g
}

// principalNames lists the principals a resource-based statement names (for NotPrincipal: "all
// but ..." in one name).
func (st *statement) principalNames() []string {
	p := st.principals
	var names []string
	if p.all {
		names = append(names, "*")
	}
	names = append(names, p.aws...)
	names = append(names, p.accounts...)
	names = append(names, p.services...)
	names = append(names, p.other...)
	if st.notPrincipal {
		return []string{"all but " + strings.Join(names, ", ")}
	}
	return names
}

// Grants lists every statement per principal: each role's identity-based statements, then the
// statements of resource-based policies for each principal they name (a role's trust policy is the
// resource-based policy of the role: sts:AssumeRole). Ordered by principal, then as in the
// template.
func (e *Engine) Grants() []Grant {
	var out []Grant
	for _, ro := range e.roleOrder {
		for _, p := range ro.policies {
			for _, st := range p.stmts {
				out = append(out, st.grant(ro.arn, ""))
			}
		}
	}
	for _, p := range e.resource {
		for _, st := range p.stmts {
			for _, name := range st.principalNames() {
				out = append(out, st.grant(name, p.attached))
			}
		}
	}
	rank := func(p string) int {
		switch {
		case e.roles[p] != nil:
			return 0
		case strings.HasPrefix(p, "arn:") || isAccountID(p):
			return 1
		case p == "*" || strings.HasPrefix(p, "all but "):
			return 3
		}
		return 2 // services
	}
	roleIndex := map[string]int{}
	for i, ro := range e.roleOrder {
		roleIndex[ro.arn] = i
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := rank(out[i].Principal), rank(out[j].Principal)
		if ri != rj {
			return ri < rj
		}
		if ri == 0 {
			return roleIndex[out[i].Principal] < roleIndex[out[j].Principal]
		}
		return out[i].Principal < out[j].Principal
	})
	return out
}

// Summary renders Grants for a deploy summary: one block per principal (a role names its logical
// id and who may assume it), one line per statement.
func (e *Engine) Summary() string {
	var b strings.Builder
	grants := e.Grants()
	nres := 0
	for _, p := range e.resource {
		if p.attached != "" && (e.roles[p.attached] == nil || e.roles[p.attached].trust != p) {
			nres++
		}
	}
	fmt.Fprintf(&b, "IAM enforced: %d roles, %d resource-based policies (account %s, %s)\n", len(e.roleOrder), nres, e.account, e.region)
	last := ""
	for _, g := range grants {
		if g.Principal != last {
			last = g.Principal
			b.WriteString("  " + e.principalTitle(g.Principal) + "\n")
		}
		b.WriteString("    " + g.String() + "\n")
	}
	return b.String()
}

func (e *Engine) principalTitle(p string) string {
	ro := e.roles[p]
	switch {
	case ro != nil:
		t := "role " + p
		if ro.logicalID != "" {
			t += " (" + ro.logicalID + ")"
		}
		if ro.trust != nil {
			var by []string
			for _, st := range ro.trust.stmts {
				if st.allow {
					by = append(by, st.principalNames()...)
				}
			}
			if len(by) > 0 {
				t += ", assumed by " + strings.Join(by, ", ")
			}
		}
		return t
	case p == "*":
		return "everyone (*)"
	case strings.HasPrefix(p, "all but "):
		return "everyone " + p
	case strings.HasPrefix(p, "arn:") || isAccountID(p):
		return "principal " + p
	}
	return "service " + p
}
