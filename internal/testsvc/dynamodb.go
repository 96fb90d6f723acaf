package testsvc

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// CreateETLTable creates the ETL function's table (functions/etl) as the stack defines it: hash key
// symbol, range key entryType, both strings, billed per request.
func CreateETLTable(ctx context.Context, c *dynamodb.Client, name string) error {
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{
			{AttributeName: aws.String("symbol"), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String("entryType"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema: []ddbtypes.KeySchemaElement{
			{AttributeName: aws.String("symbol"), KeyType: ddbtypes.KeyTypeHash},
			{AttributeName: aws.String("entryType"), KeyType: ddbtypes.KeyTypeRange}},
	})
	return err
}
