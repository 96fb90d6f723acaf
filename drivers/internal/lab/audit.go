package lab

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/runner"
)

// writtenDocuments counts documents with a per-message row: every item that is
// not a symbol's "latest" summary row. Symbols are unique per document
// (drivers/internal/publish), so distinct symbols are distinct documents.
func writtenDocuments(ctx context.Context, db *dynamodb.Client, table string) (int, error) {
	seen := map[string]bool{}
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table),
		ProjectionExpression: aws.String("symbol, entryType")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, err
		}
		for _, it := range page.Items {
			sym, _ := it["symbol"].(*ddbtypes.AttributeValueMemberS)
			et, _ := it["entryType"].(*ddbtypes.AttributeValueMemberS)
			if sym != nil && et != nil && et.Value != "latest" {
				seen[sym.Value] = true
			}
		}
	}
	return len(seen), nil
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
