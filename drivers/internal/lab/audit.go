package lab

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/runner"
)

// writtenDocuments counts documents with a per-message row: every item that is
// not a symbol's "latest" summary row. Symbols are unique per document
// (drivers/internal/publish), so distinct symbols are distinct documents. ids are
// the rows' messageIds (the n of the document data_object_msg-<n>.json), for
// writesOfUnaccounted.
func writtenDocuments(ctx context.Context, db *dynamodb.Client, table string) (n int, ids map[int]bool, err error) {
	seen := map[string]bool{}
	ids = map[int]bool{}
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table),
		ProjectionExpression: aws.String("symbol, entryType, messageId")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, nil, err
		}
		for _, it := range page.Items {
			sym, _ := it["symbol"].(*ddbtypes.AttributeValueMemberS)
			et, _ := it["entryType"].(*ddbtypes.AttributeValueMemberS)
			if sym != nil && et != nil && et.Value != "latest" {
				seen[sym.Value] = true
				if id, ok := it["messageId"].(*ddbtypes.AttributeValueMemberN); ok {
					if i, err := strconv.Atoi(id.Value); err == nil {
						ids[i] = true
					}
				}
			}
		}
	}
	return len(seen), ids, nil
}

// writesOfUnaccounted counts the documents among unaccounted (neither converted nor in the error
// queue: still in the work queue or the CSV queue, or lost) that are well-formed (not in malformed)
// and have no per-message row (their messageId is not in written). A pending one's write is not
// made yet, not lost: an interrupted resilient trial with 31 documents pending in its work queue
// read "28 DynamoDB writes missing" and no more (Result.WritesUnaccounted). Documents are matched by their number: the tally's keys are names, the
// publisher's keys have its prefix. One whose number cannot be read counts as well-formed and
// without a row.
func writesOfUnaccounted(unaccounted, malformed []string, written map[int]bool) int {
	bad := map[int]bool{}
	for _, k := range malformed {
		if i, ok := messageNumber(k); ok {
			bad[i] = true
		}
	}
	n := 0
	for _, k := range unaccounted {
		i, ok := messageNumber(k)
		if ok && (bad[i] || written[i]) {
			continue
		}
		n++
	}
	return n
}

// messageNumber is the n of a published document's key or name (…data_object_msg-<n>.json).
func messageNumber(key string) (int, bool) {
	_, after, ok := strings.Cut(key, "data_object_msg-")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(strings.TrimSuffix(after, ".json"))
	return i, err == nil
}

// faultIsOff reads the fault parameter: off when the function would inject nothing from it, as
// the function's own parser reads it (faultconfig.Parse, through runner.ReadFault): a config of
// either failure-lambda format that enables no fault, or whose expiry has passed. A value the
// parser rejects is an error: the function injects nothing from it, but no rollback wrote it.
func faultIsOff(ctx context.Context, c *ssm.Client, name string) (bool, error) {
	f, err := runner.ReadFault(ctx, c, name)
	if err != nil {
		return false, err
	}
	if f.Invalid != nil {
		return false, fmt.Errorf("%s is not a valid fault config: %w", name, f.Invalid)
	}
	return !f.On(time.Now()), nil
}
