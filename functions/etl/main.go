// Command etl is the lab's ETL Lambda (the seed's ChaosTransformer): for every S3 notification in an
// SQS batch it reads the JSON document, writes it as CSV to output/, records it in DynamoDB (a summary
// row per symbol and a row per message) and counts the write in the SymbolWriteCount metric, in the
// scenario SCENARIO names: flawed (the seed's unawaited writes) or resilient (the fix: every write
// awaited and idempotent, poison to the error queue, per-record batch failures, and each failed
// record made visible again after a short backoff instead of the queue's visibility timeout).
//
// Every AWS call goes through functions/failure, so the fault in the SSM parameter named by
// FAILURE_INJECTION_PARAM hits the real SDK calls. Environment: docs/contracts.md §2.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/chaoslab/serverless-chaos-lab/functions/failure"
)

func main() {
	log := newLogger(os.Stdout, os.Getenv("LOG_LEVEL"))
	slog.SetDefault(log)
	h, inj, err := setup(context.Background(), os.Getenv, log, os.Stdout)
	if err != nil {
		// An init error: Lambda reports it and retries the init; nothing can be handled without config.
		log.Error("init failed", "error", err)
		os.Exit(1)
	}
	lambda.Start(failure.Wrap(inj, h.Handle))
}

// setup loads the config once per sandbox (config.LoadDefaultConfig honours AWS_ENDPOINT_URL),
// instruments it with the failure layer and builds the handler with its clients.
func setup(ctx context.Context, getenv func(string) string, log *slog.Logger, metrics io.Writer) (*Handler, *failure.Injector, error) {
	set, err := SettingsFromEnv(getenv)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("load AWS config: %w", err)
	}
	inj, err := failure.FromEnv(cfg)
	if err != nil {
		return nil, nil, err
	}
	c := newClients(inj.Instrument(cfg), set.Scenario, DefaultRetryPolicy, Endpoints{})
	log.Info("etl ready", "scenario", set.Scenario, "table", set.Table, "fault_parameter", inj.Parameter())
	return NewHandler(set, c.s3, c.ddb, c.sqs, log, metrics), inj, nil
}

// Endpoints overrides service endpoints (tests run each service on its own emulator); empty fields
// leave the SDK's resolution, AWS_ENDPOINT_URL included.
type Endpoints struct{ S3, DynamoDB, SQS string }

type clients struct {
	s3  *s3.Client
	ddb *dynamodb.Client
	sqs *sqs.Client
}

// newClients builds the service clients from cfg (already instrumented). flawed keeps the SDK's
// default retries, as the seed kept its SDK's; resilient uses the retry policy p.
func newClients(cfg aws.Config, sc Scenario, p RetryPolicy, ep Endpoints) clients {
	var retryer func() aws.Retryer
	if sc == ScenarioResilient {
		r := p.Retryer()
		retryer = func() aws.Retryer { return r }
	}
	return clients{
		s3: s3.NewFromConfig(cfg, func(o *s3.Options) {
			if ep.S3 != "" {
				o.BaseEndpoint, o.UsePathStyle = aws.String(ep.S3), true
			}
			if retryer != nil {
				o.Retryer = retryer()
			}
		}),
		ddb: dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
			if ep.DynamoDB != "" {
				o.BaseEndpoint = aws.String(ep.DynamoDB)
			}
			if retryer != nil {
				o.Retryer = retryer()
			}
		}),
		sqs: sqs.NewFromConfig(cfg, func(o *sqs.Options) {
			if ep.SQS != "" {
				o.BaseEndpoint = aws.String(ep.SQS)
			}
			if retryer != nil {
				o.Retryer = retryer()
			}
		}),
	}
}

// newLogger returns a JSON logger at LOG_LEVEL (debug, info, warn, error; default info).
func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.TrimSpace(level))); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
