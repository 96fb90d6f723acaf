package emulators_test

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/chaoslab/serverless-chaos-lab/local/emulators"
	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

var creds = credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", "")

// assertGone checks the process group is dead and its address no longer accepts connections.
func assertGone(t *testing.T, p *emulators.Process) {
	t.Helper()
	select {
	case <-p.Exited():
	case <-time.After(10 * time.Second):
		t.Fatalf("%s (pid %d) did not exit", p.Name, p.Pid())
	}
	if err := syscall.Kill(-p.Pid(), 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("%s process group %d still has members (kill 0: %v)", p.Name, p.Pid(), err)
	}
	if a := p.Addr(); a != "" {
		if c, err := net.DialTimeout("tcp", a, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still listening on %s", p.Name, a)
		}
	}
	if s := p.Socket(); s != "" {
		if _, err := os.Stat(s); !os.IsNotExist(err) {
			t.Errorf("%s socket %s left behind", p.Name, s)
		}
	}
}

func TestEmulatorsBehindTheGateway(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts the real emulators")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run := t.TempDir()

	// Start both at once: the JVM start dominates.
	type started struct {
		p   *emulators.Process
		err error
	}
	ddbc := make(chan started, 1)
	go func() {
		p, err := emulators.StartDynamoDB(ctx, emulators.Options{RunDir: run})
		ddbc <- started{p, err}
	}()
	fq, err := emulators.StartFauxqs(ctx, emulators.Options{RunDir: run})
	if err != nil {
		t.Fatal(err)
	}
	defer fq.Stop()
	ds := <-ddbc
	if ds.err != nil {
		t.Fatal(ds.err)
	}
	ddb := ds.p
	defer ddb.Stop()

	if h, _, _ := net.SplitHostPort(fq.Addr()); h != "127.0.0.1" {
		t.Errorf("fauxqs on %s, want 127.0.0.1", fq.Addr())
	}

	g := gateway.New(gateway.Options{})
	g.Proxy("sqs", fq.Endpoint(), nil)
	g.Proxy("dynamodb", ddb.Endpoint(), ddb.Dial)
	addr, err := g.Listen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	endpoint := aws.String("http://" + addr)

	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{name: "sqs on fauxqs: queue URLs point back at the gateway", run: func(t *testing.T) {
			c := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: endpoint, Credentials: creds})
			q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("work")})
			if err != nil {
				t.Fatal(err)
			}
			if want := "http://" + addr + "/000000000000/work"; aws.ToString(q.QueueUrl) != want {
				t.Errorf("QueueUrl = %s, want %s", aws.ToString(q.QueueUrl), want)
			}
			if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("hi")}); err != nil {
				t.Fatal(err)
			}
			r, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, WaitTimeSeconds: 1})
			if err != nil || len(r.Messages) != 1 || aws.ToString(r.Messages[0].Body) != "hi" {
				t.Fatalf("ReceiveMessage = %+v, %v", r, err)
			}
		}},
		{name: "dynamodb local through its namespace socket", run: func(t *testing.T) {
			c := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: endpoint, Credentials: creds})
			_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("table"), BillingMode: ddbtypes.BillingModePayPerRequest,
				AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
				KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("table"), Item: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "a"}},
				ConditionExpression: aws.String("attribute_not_exists(pk)")})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("table"), Item: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "a"}},
				ConditionExpression: aws.String("attribute_not_exists(pk)")})
			var ccf *ddbtypes.ConditionalCheckFailedException
			if !errors.As(err, &ccf) {
				t.Errorf("second conditional put = %v, want ConditionalCheckFailedException", err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}

	// A loopback relay makes DynamoDB Local reachable by URL alone (for clients given only an endpoint).
	relay, err := ddb.Loopback()
	if err != nil {
		t.Fatal(err)
	}
	if h, _, _ := net.SplitHostPort(relay); h != "127.0.0.1" || ddb.Endpoint().Host != relay {
		t.Fatalf("relay on %s, endpoint %s", relay, ddb.Endpoint())
	}
	direct := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(ddb.Endpoint().String()), Credentials: creds})
	if tables, err := direct.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil || len(tables.TableNames) != 1 {
		t.Errorf("ListTables through the relay = %+v, %v", tables, err)
	}

	g.Close()
	fq.Stop()
	ddb.Stop()
	assertGone(t, fq)
	assertGone(t, ddb)
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("gateway still listening on %s", addr)
	}
}
