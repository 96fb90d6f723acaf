package ssm_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	localssm "github.com/chaoslab/serverless-chaos-lab/local/ssm"
)

func TestHistoryKeepsEveryWriteInOrder(t *testing.T) {
	// GIVEN a parameter written through the API three times, deleted, then created again
	ctx := context.Background()
	svc := localssm.New()
	c := newClient(t, svc)
	name, other := "/Stack/failureLambdaConfig", "/Stack/other"
	start := time.Now()
	put := func(n, v string) {
		t.Helper()
		if _, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(n), Value: aws.String(v), Type: types.ParameterTypeString, Overwrite: aws.Bool(true)}); err != nil {
			t.Fatal(err)
		}
	}
	put(name, `{"isEnabled":false}`)
	put(name, `{"isEnabled":true,"failureMode":"latency"}`)
	put(other, "x")
	put(name, `{"isEnabled":false}`)
	if _, err := c.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	put(name, `{"isEnabled":true}`)

	// THEN History has every write of that parameter, the delete included, oldest first
	h := svc.History(name)
	want := []struct {
		value   string
		version int64
		deleted bool
	}{{`{"isEnabled":false}`, 1, false}, {`{"isEnabled":true,"failureMode":"latency"}`, 2, false},
		{`{"isEnabled":false}`, 3, false}, {"", 0, true}, {`{"isEnabled":true}`, 1, false}}
	if len(h) != len(want) {
		t.Fatalf("History = %+v, want %d writes", h, len(want))
	}
	for i, w := range want {
		if h[i].Value != w.value || h[i].Version != w.version || h[i].Deleted != w.deleted || h[i].Name != name {
			t.Errorf("History[%d] = %+v, want %+v", i, h[i], w)
		}
		if h[i].Time.Before(start) || (i > 0 && h[i].Time.Before(h[i-1].Time)) {
			t.Errorf("History[%d].Time = %v: not in order after %v", i, h[i].Time, start)
		}
	}
	// AND Writes interleaves every parameter, and since filters by time
	all := svc.Writes(time.Time{})
	if len(all) != 6 || all[2].Name != other {
		t.Errorf("Writes = %+v, want 6 writes with %s third", all, other)
	}
	if late := svc.Writes(all[3].Time); len(late) != 3 || !late[1].Deleted {
		t.Errorf("Writes(since the 4th) = %+v, want the last 3", late)
	}

	// AND GetParameterHistory answers the versions since the delete, as SSM does
	got, err := c.GetParameterHistory(ctx, &ssm.GetParameterHistoryInput{Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Parameters) != 1 || aws.ToString(got.Parameters[0].Value) != `{"isEnabled":true}` || got.Parameters[0].Version != 1 ||
		got.Parameters[0].LastModifiedDate == nil {
		t.Errorf("GetParameterHistory = %+v", got.Parameters)
	}
	got, err = c.GetParameterHistory(ctx, &ssm.GetParameterHistoryInput{Name: aws.String(other)})
	if err != nil || len(got.Parameters) != 1 || aws.ToString(got.Parameters[0].Value) != "x" {
		t.Errorf("GetParameterHistory(%s) = %+v, %v", other, got, err)
	}
	var nf *types.ParameterNotFound
	if _, err := c.GetParameterHistory(ctx, &ssm.GetParameterHistoryInput{Name: aws.String("/missing")}); !errors.As(err, &nf) {
		t.Errorf("GetParameterHistory(missing) error = %v, want ParameterNotFound", err)
	}
}

// A parameter's versions outlive the history every parameter shares: 10,000 writes to others
// used to take a rarely written parameter's versions with them, and GetParameter of its own
// current version said ParameterVersionNotFound.
func TestVersionsOutliveTheSharedHistory(t *testing.T) {
	ctx := context.Background()
	svc := localssm.New()
	c := newClient(t, svc)
	put := func(n, v string) {
		t.Helper()
		if _, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(n), Value: aws.String(v), Type: types.ParameterTypeString, Overwrite: aws.Bool(true)}); err != nil {
			t.Fatal(err)
		}
	}
	put("/quiet", "one")
	put("/quiet", "two")
	for i := range 10001 {
		put("/busy", fmt.Sprint(i))
	}
	got, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/quiet:2")})
	if err != nil || aws.ToString(got.Parameter.Value) != "two" {
		t.Fatalf("GetParameter /quiet:2: %v, %v", got, err)
	}
	h, err := c.GetParameterHistory(ctx, &ssm.GetParameterHistoryInput{Name: aws.String("/quiet")})
	if err != nil || len(h.Parameters) != 2 {
		t.Fatalf("GetParameterHistory /quiet: %d versions, %v; want 2", len(h.Parameters), err)
	}
	// The busy one keeps its last 100, as SSM does.
	var n int
	for p := ssm.NewGetParameterHistoryPaginator(c, &ssm.GetParameterHistoryInput{Name: aws.String("/busy")}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.Parameters)
	}
	if n != 100 {
		t.Errorf("GetParameterHistory /busy: %d versions, want the last 100", n)
	}
}

// Each version says who made it, as GetParameterHistory and DescribeParameters answer
// LastModifiedUser: the ARN that signed the PutParameter (here a role session's, as the gateway
// puts it on a verified request), the account's root for a write through Put (the cloud's
// deploys). After a run, the history tells the state machine's write from a person's.
func TestVersionsSayWhoWroteThem(t *testing.T) {
	ctx := context.Background()
	svc := localssm.New()
	caller := "arn:aws:sts::000000000000:assumed-role/ChaosLab-Experiment-Role/run-1"
	// As the gateway puts the verified caller on a request.
	c := newClient(t, svc, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(gateway.WithPrincipal(r.Context(), caller)))
		})
	})
	const name = "/who/fault"
	if _, err := svc.Put(name, `{"isEnabled":false}`); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(`{"isEnabled":true}`), Overwrite: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	h, err := c.GetParameterHistory(ctx, &ssm.GetParameterHistoryInput{Name: aws.String(name)})
	if err != nil || len(h.Parameters) != 2 {
		t.Fatalf("history %+v, %v", h, err)
	}
	if got := []string{aws.ToString(h.Parameters[0].LastModifiedUser), aws.ToString(h.Parameters[1].LastModifiedUser)}; got[0] != "arn:aws:iam::000000000000:root" || got[1] != caller {
		t.Errorf("history's LastModifiedUser %q, want the root's for Put, then the caller's", got)
	}
	d, err := c.DescribeParameters(ctx, &ssm.DescribeParametersInput{})
	if err != nil || len(d.Parameters) != 1 || aws.ToString(d.Parameters[0].LastModifiedUser) != caller {
		t.Errorf("DescribeParameters %+v, %v: want LastModifiedUser %s", d, err, caller)
	}
	v1, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name + ":1")})
	if err != nil || aws.ToString(v1.Parameter.Value) != `{"isEnabled":false}` {
		t.Errorf("version 1: %+v, %v", v1, err)
	}
}
