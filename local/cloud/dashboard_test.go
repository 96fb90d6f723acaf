package cloud

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
	"github.com/chaoslab/serverless-chaos-lab/local/dashboard/browsertest"
)

// TestLiveDashboardOfTheDeployedStack deploys the fixture stack, opens the live page of its
// dashboard in Chromium as `chaoslab local up` prints it, and watches it follow metrics put with
// the SDK and a fault enabled through SSM.
func TestLiveDashboardOfTheDeployedStack(t *testing.T) {
	testenv.SkipIfShort(t, "starts the emulators and Chromium")
	begin := time.Now()
	cdkOut := fixture(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	var progress strings.Builder
	c, err := Start(ctx, Options{Dir: t.TempDir(), Log: &progress})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	outputs, err := c.Deploy(ctx, cdkOut, "Fixture")
	if err != nil {
		t.Fatal(err)
	}
	name := outputs["DashboardName"]
	t.Logf("cloud started and fixture deployed in %s", time.Since(begin).Round(time.Millisecond))

	// The URL is printed when the dashboard is deployed, and answers only with its token.
	url := c.DashboardURL(name)
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.Contains(progress.String(), "local cloud: dashboard "+name+" live at "+url+"\n") {
		t.Fatalf("DashboardURL = %q; progress:\n%s", url, progress.String())
	}
	if !strings.Contains(progress.String(), "local cloud: live dashboards at "+c.DashboardsURL()) || len(c.Dashboards()) != 1 || c.Dashboards()[0] != name {
		t.Errorf("dashboards %v, index %q not printed", c.Dashboards(), c.DashboardsURL())
	}
	unsigned, _, _ := strings.Cut(url, "?")
	if resp, err := http.Get(unsigned); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET without the token: %v %v, want 403", resp, err)
	}

	// GIVEN traffic on the JSON queue (the fixture's one widget): messages sent through the
	// gateway, which counts AWS/SQS NumberOfMessagesSent (AWS/ namespaces refuse PutMetricData)
	cfg := c.Config()
	queue := sqs.NewFromConfig(cfg)
	send := func() {
		t.Helper()
		if _, err := queue.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(outputs["JsonQueueUrl"]), MessageBody: aws.String(`{"Records":[]}`)}); err != nil {
			t.Fatal(err)
		}
	}
	// The browser first: it may take a minute to start on a busy machine, and points sent before
	// that would have left the page's 1-minute range.
	browser := time.Now()
	b := browsertest.Start(t, 90*time.Second)
	send()
	time.Sleep(1100 * time.Millisecond) // a second point: the page's 1-minute range has 1 s periods
	send()
	// AND the fault enabled through SSM
	if _, err := ssm.NewFromConfig(cfg).PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(outputs["FaultParameterName"]),
		Value: aws.String(`{"isEnabled": true, "failureMode": "latency", "minLatency": 100, "maxLatency": 200}`), Type: ssmtypes.ParameterTypeString, Overwrite: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}

	// WHEN the page is opened
	p := b.Open(t, url+"&refresh=1", browsertest.Loopback)
	p.Wait(t, `Number(document.body.dataset.updates) >= 1`, 10*time.Second)

	// THEN the deployed body's widget is drawn with the points put, and the fault is shaded
	if n := browsertest.Eval[int](t, p, `document.querySelectorAll(".cd-widget").length`); n != 1 {
		t.Errorf("%d widgets, want the fixture's 1", n)
	}
	points := `(() => { const u = ChaosDash.charts.w0; let n = 0; if (u) for (const v of u.data[1] || []) if (v != null) n++; return n; })()`
	p.Wait(t, points+` >= 2`, 20*time.Second)
	p.Wait(t, `document.body.dataset.faultOn === "true" && JSON.parse(ChaosDash.charts.w0.root.dataset.faults || "[]").length === 1`, 20*time.Second)
	banner := browsertest.Eval[string](t, p, `document.getElementById("fault").textContent`)
	if !strings.Contains(banner, outputs["FaultParameterName"]) || !strings.Contains(banner, "latency") {
		t.Errorf("fault banner = %q", banner)
	}

	// WHEN more metrics arrive, THEN the graph takes them by itself
	before := browsertest.Eval[int](t, p, points)
	time.Sleep(1100 * time.Millisecond)
	send()
	p.Wait(t, points+` > `+strconv.Itoa(before), 20*time.Second)

	// WHEN the fault is rolled back, THEN its window closes
	if _, err := ssm.NewFromConfig(cfg).PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(outputs["FaultParameterName"]),
		Value: aws.String(`{"isEnabled": false}`), Type: ssmtypes.ParameterTypeString, Overwrite: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	p.Wait(t, `document.body.dataset.faultOn === "false"`, 20*time.Second)
	p.Check(t)
	t.Logf("browser part %s", time.Since(browser).Round(time.Millisecond))
}
