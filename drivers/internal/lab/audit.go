package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
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

// queueDepth is the number of messages in a queue: visible, in flight and delayed.
func queueDepth(ctx context.Context, c *sqs.Client, url string) (int, error) {
	out, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible, sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed}})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, v := range out.Attributes {
		i, err := strconv.Atoi(v)
		if err != nil {
			return 0, fmt.Errorf("queue attribute %q: %w", v, err)
		}
		n += i
	}
	return n, nil
}

// faultIsOff reads the fault parameter: off means valid JSON with isEnabled false.
func faultIsOff(ctx context.Context, c *ssm.Client, name string) (bool, error) {
	out, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
	if err != nil {
		return false, err
	}
	var v struct {
		IsEnabled bool `json:"isEnabled"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.Parameter.Value)), &v); err != nil {
		return false, fmt.Errorf("%s is not JSON: %w", name, err)
	}
	return !v.IsEnabled, nil
}
