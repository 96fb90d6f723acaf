// Package pipeline is the lab's data path as one CDK construct: the bucket and its two notifications
// (input/*.json → JSON work queue; output/*.csv → SNS topic → CSV queue), the error queue as the JSON
// queue's redrive target, the DynamoDB table, the SSM fault parameter, and the Go ETL function with its
// SQS event source and least-privilege grants. Scenario-dependent numbers live in one table
// (scenario.go); defaults in defaults.go.
package pipeline
