// Package sfn is the local cloud's Step Functions: it runs the synthesized state machine definition
// unchanged in a real ASL interpreter (aws-local-stepfunctions on Node 22, one long-lived child process
// per local cloud) and serves the Step Functions API the AWS SDKs speak (awsJson1.0).
//
// Every `arn:aws:states:::aws-sdk:<service>:<action>` Task is answered through Options.Call with the
// task's resolved Parameters; SDKCaller performs those calls with the real Go SDK clients against the
// local cloud's endpoint; a fake Call can tell the execution and Task state it answers from its
// context (TaskFromContext). Execution status changes are also matched against EventBridge rules
// (AddRule: the pattern operators of aws/event-ruler, $or included) whose state machine targets are
// started with the event, as AWS does for "Step Functions Execution Status Change"; a FAILED,
// TIMED_OUT or ABORTED event carries the execution's error and cause. WaitEvents waits until every
// end so far has reached the rules, so a test can show that a rule did not fire.
package sfn
