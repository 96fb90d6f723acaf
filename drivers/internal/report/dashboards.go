package report

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
)

// DashboardAPI is what Dashboards calls; *cloudwatch.Client is one.
type DashboardAPI interface {
	GetDashboard(ctx context.Context, in *cloudwatch.GetDashboardInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.GetDashboardOutput, error)
	ListDashboards(ctx context.Context, in *cloudwatch.ListDashboardsInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.ListDashboardsOutput, error)
}

var _ DashboardAPI = (*cloudwatch.Client)(nil)

// Dashboards reads the bodies of the dashboards named (e.g. the stack's DashboardName output)
// with GetDashboard; with no name, of every dashboard ListDashboards lists. Read them before the
// stack is torn down: they go into Run.Dashboards.
func Dashboards(ctx context.Context, cw DashboardAPI, names ...string) ([]Dashboard, error) {
	if len(names) == 0 {
		in := &cloudwatch.ListDashboardsInput{}
		for {
			out, err := cw.ListDashboards(ctx, in)
			if err != nil {
				return nil, fmt.Errorf("ListDashboards: %w", err)
			}
			for _, e := range out.DashboardEntries {
				names = append(names, aws.ToString(e.DashboardName))
			}
			if out.NextToken == nil {
				break
			}
			in.NextToken = out.NextToken
		}
	}
	out := make([]Dashboard, 0, len(names))
	for _, n := range names {
		d, err := cw.GetDashboard(ctx, &cloudwatch.GetDashboardInput{DashboardName: aws.String(n)})
		if err != nil {
			return out, fmt.Errorf("GetDashboard %s: %w", n, err)
		}
		out = append(out, Dashboard{Name: n, Body: aws.ToString(d.DashboardBody)})
	}
	return out, nil
}
