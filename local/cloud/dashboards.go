package cloud

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/chaoslab/serverless-chaos-lab/local/dashboard"
	"github.com/chaoslab/serverless-chaos-lab/local/template"
)

// The live dashboard pages (package dashboard) listen on a port of their own on 127.0.0.1: a
// browser cannot sign requests, so they cannot go through the gateway, which checks SigV4. Each
// start makes a new token, which every URL carries.

// startDashboards starts the pages. A page that cannot start (no chart library in node_modules)
// costs the page only: the cloud runs on, and says why.
func (c *Cloud) startDashboards(ctx context.Context) {
	srv, err := dashboard.New(dashboard.Options{Metrics: c.metrics, Parameters: c.params, ParametersOf: c.parametersOf, Root: c.opts.Root, Logger: c.log})
	if err == nil {
		_, err = srv.Listen(ctx, 0)
	}
	if err != nil {
		c.progress("local cloud: no live dashboard page: %v", err)
		return
	}
	c.dashboards = srv
}

// DashboardURL is the live page of the dashboard named name (a deployed
// AWS::CloudWatch::Dashboard's physical name, e.g. the DashboardName output):
// http://127.0.0.1:<port>/dashboards/<name>?token=<token>. It is "" when the pages did not start.
func (c *Cloud) DashboardURL(name string) string {
	if c.dashboards == nil {
		return ""
	}
	return c.dashboards.URL(name)
}

// DashboardsURL is the page listing every dashboard, or "" when the pages did not start.
func (c *Cloud) DashboardsURL() string {
	if c.dashboards == nil {
		return ""
	}
	return c.dashboards.IndexURL()
}

// Dashboards are the names of every deployed stack's dashboards, by stack name.
func (c *Cloud) Dashboards() []string {
	var names []string
	for _, s := range c.Stacks() {
		if dep := c.Stack(s); dep != nil {
			names = append(names, dashboardsOf(dep)...)
		}
	}
	return names
}

// parametersOf names the SSM parameters of the stack that owns dashboard: the faults its page
// shades are its own stack's, not its neighbours' in the same cloud.
func (c *Cloud) parametersOf(dashboard string) ([]string, bool) {
	for _, s := range c.Stacks() {
		dep := c.Stack(s)
		if dep == nil || !slices.Contains(dashboardsOf(dep), dashboard) {
			continue
		}
		var names []string
		for _, r := range dep.Created {
			if r.Type == "AWS::SSM::Parameter" {
				names = append(names, r.PhysicalID)
			}
		}
		return names, true
	}
	return nil, false
}

func dashboardsOf(dep *template.Deployment) []string {
	var names []string
	for _, r := range dep.Created {
		if r.Type == "AWS::CloudWatch::Dashboard" {
			names = append(names, r.PhysicalID)
		}
	}
	return names
}

// printDashboards prints a line per dashboard of a deployment with its live page.
func (c *Cloud) printDashboards(w io.Writer, dep *template.Deployment) {
	for _, name := range dashboardsOf(dep) {
		if u := c.DashboardURL(name); u != "" {
			fmt.Fprintf(w, "local cloud: dashboard %s live at %s\n", name, u)
		}
	}
}
