package subscribe

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// QueueDepth is the number of messages a queue still holds: visible, in flight and delayed
// (SQS's approximate counts). A drain is over when it is 0.
func QueueDepth(ctx context.Context, c *sqs.Client, url string) (int, error) {
	out, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible, sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed}})
	if err != nil {
		return 0, err
	}
	n := 0
	for name, v := range out.Attributes {
		i, err := strconv.Atoi(v)
		if err != nil {
			return 0, fmt.Errorf("queue attribute %s = %q: %w", name, v, err)
		}
		n += i
	}
	return n, nil
}
