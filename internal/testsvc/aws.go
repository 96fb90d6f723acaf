package testsvc

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Config returns an SDK config for the emulators: region us-east-1, static local credentials, no
// endpoint (set BaseEndpoint per client to a Service's Endpoint).
func Config() aws.Config {
	return aws.Config{
		Region:      Region,
		Credentials: credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
	}
}
