// Package failure injects faults into a Go Lambda function and the AWS SDK calls it makes, driven
// by a JSON config in an SSM parameter (compatible with failure-lambda's, plus several faults at
// once, targeting by service and operation, SDK-shaped errors and expiry).
package failure
