// Package clients is the local cloud's conformance test with AWS clients this project did not
// write. It proves that what a user does by hand after `chaoslab local up`, with the AWS CLI or a
// boto3 script of either generation, works against the local cloud as it does against AWS:
//
//   - an upload under input/ with `aws s3 cp` or put_object is converted by the deployed ETL
//     function into a CSV under output/ (an S3 event notification is sent, whatever Expect header,
//     checksum headers or aws-chunked encoding the client uses);
//   - an empty object without a Content-Type and a 12 MiB object (one PUT and multipart) are
//     stored, and the function puts them in the error queue with their reasons (malformed_json,
//     too_large), which the CLIs delete in one delete-message-batch;
//   - SQS in both protocols (JSON for botocore ≥ 1.31, query for older clients), SNS publish to the
//     stack's topic reaching its SQS subscriber, and a DynamoDB scan of the stack's table;
//   - one boto3 client's uploads on one connection, an empty one before a 12 MiB one, each
//     answered on its first attempt (botocore stalls 60 s and retries when an empty body's
//     Expect: 100-continue gets no 100: boto/botocore#3755; the gateway sends it);
//   - with a botocore of JSON-protocol SQS (1.31 and later), the dead-letter queue redrive:
//     start_message_move_task back to the queue the messages were parked from;
//   - with the required boto3 (Debian's) only, the cloud's features that every botocore asks for
//     with the same requests: Lambda's async invoke, SNS filter policies and FIFO topics, as API
//     calls of the script's session.
//
// A CLI runs once per command, as a user types them: its own script, run whole in a process of
// its own, forked from a server that has imported awscli once (awsclients.CLIRunner: a third of an
// exec's CPU; its --version is an exec of its path, and awsclients' tests check that the two answer
// alike); boto3 runs testdata/boto3_client.py once per client, as one session answering request
// after request (a user's script: one Python start, one client per service, its connections kept).
//
// The clients, each run by its absolute path with a fresh HOME, AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE (no user configuration leaks in) and only the local cloud's
// credentials and endpoint in its environment:
//
//   - the AWS CLI v1 first on PATH (pyenv's awscli 1.45, botocore 1.43: JSON SQS, reads
//     AWS_ENDPOINT_URL; its sqs commands need --endpoint-url, see below);
//   - Debian's AWS CLI v2 at /usr/bin/aws (apt awscli, 2.9.19: query SQS, predates
//     AWS_ENDPOINT_URL, so --endpoint-url);
//   - /usr/bin/python3 with Debian's boto3 (apt python3-boto3, 1.26: query SQS, endpoint_url);
//   - the python3 first on PATH with boto3 (pyenv's 1.43: JSON SQS, AWS_ENDPOINT_URL, and an
//     aws-chunked upload with a trailing CRC32, as botocore ≥ 1.36 sends over TLS).
//
// The AWS CLI v1 sets the endpoint of its sqs commands itself (queue.amazonaws.com in us-east-1)
// unless --endpoint-url is given, so AWS_ENDPOINT_URL alone does not reach the local cloud: the
// test passes --endpoint-url to those commands, as a user must.
//
// The stack is the local/template fixture (the lab's resources, the same names and wiring),
// deployed in its resilient scenario with the real ETL function (functions/etl) built for this
// host, a copy per client (Fixture-<client>) in one local cloud, so that the clients run side by
// side: each reads and deletes its own queues and changes its own bucket's policy. `go test
// -short` skips the package.
//
// internal/awsclients finds the clients. Debian's two are required (`make test` installs them
// with apt): one missing fails its subtest when CI is set and skips it elsewhere. The pip ones
// (pyenv's here) are optional, tested where they are on the machine: one missing has no subtest,
// only a line in the log saying how to add it. Overrides: CHAOSLAB_AWS_CLI_V1 and
// CHAOSLAB_PYTHON_BOTO3 name them by absolute path.
package clients
