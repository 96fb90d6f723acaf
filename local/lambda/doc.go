// Package lambda runs Lambda functions on this machine the way the Lambda service does: each function
// gets a pool of sandboxes, each sandbox is the function's real `bootstrap` process talking to its own
// Runtime API server on 127.0.0.1, with the template's environment, timeout (a timed-out invocation's
// process group is killed by pid and the sandbox replaced) and concurrency limit (excess invocations are
// throttled). The function's stdout/stderr become its log file, EMF lines in them become metrics, and the
// AWS/Lambda metrics (Invocations, Errors, Duration, Throttles, ConcurrentExecutions) are published.
// Handler serves the Lambda Invoke API so the AWS CLI and SDKs can call the functions.
package lambda
