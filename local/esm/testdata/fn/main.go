// Command fn is the test function for local/esm: a real aws-lambda-go SQS handler that records every
// event it receives in $RECORD_DIR and fails records by their body: "fail…" is reported as a batch
// item failure, "error" fails the whole invocation, "badid" reports an id that is not in the batch.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

func handle(ctx context.Context, raw json.RawMessage) (events.SQSEventResponse, error) {
	lc, _ := lambdacontext.FromContext(ctx)
	// Written under a temporary name and renamed, so the test's reader never sees half a file.
	path := filepath.Join(os.Getenv("RECORD_DIR"), lc.AwsRequestID+".json")
	if err := os.WriteFile(path+".tmp", raw, 0o644); err != nil {
		return events.SQSEventResponse{}, err
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return events.SQSEventResponse{}, err
	}
	var ev events.SQSEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return events.SQSEventResponse{}, err
	}
	var resp events.SQSEventResponse
	for _, r := range ev.Records {
		switch {
		case r.Body == "error":
			return resp, errors.New("whole batch fails")
		case r.Body == "slow": // a batch still in flight while the test switches its mapping off
			time.Sleep(3 * time.Second)
		case r.Body == "badid":
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: "not-in-batch"})
		case strings.HasPrefix(r.Body, "fail"):
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
		}
	}
	return resp, nil
}

func main() { lambda.Start(handle) }
