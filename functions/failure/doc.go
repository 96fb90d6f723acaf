// Package failure injects faults into a Go Lambda function and into the AWS SDK calls it makes,
// driven by a JSON config in an SSM parameter. It is the Go counterpart of the Node library
// failure-lambda that the original lab uses, with its config format, plus several faults at once,
// targeting by AWS service and operation, SDK-shaped errors and expiry.
//
// # Wiring
//
// Build one Injector per sandbox, at init, and use it twice (see Example):
//
//	inj, err := failure.FromEnv(cfg)  // FAILURE_INJECTION_PARAM, FAILURE_CACHE_TTL
//	cfg = inj.Instrument(cfg)          // SDK-level faults: every client built from cfg
//	lambda.Start(failure.Wrap(inj, h.Handle)) // invocation-level faults, per-invocation dice
//
// The handler passes its ctx (or a context derived from it) to the SDK calls, so that the
// transport finds the invocation's dice there (see Dice).
//
// # Config reference (the SSM parameter's value; docs/contracts.md §3)
//
// failure-lambda's fields, at the top level; all optional but isEnabled:
//
//	isEnabled    bool     required. false: no fault fires (the rest is still validated).
//	failureMode  string   latency | exception | statuscode | diskspace | denylist | sdkerror;
//	                      "blacklist" (the seed lab's spelling) = denylist.
//	rate         number   0..1, the probability the fault fires, per roll of its dice (see Dice).
//	                      Default 1.
//	minLatency   number   ms, 0..900000. maxLatency defaults to minLatency.
//	maxLatency   number   ms, ≥ minLatency. The delay is uniform in [minLatency, maxLatency].
//	exceptionMsg string   the invocation's error message. Default "injected exception".
//	statusCode   number   100..599, answered without running the handler.
//	diskSpace    number   MB (MiB) of the temp dir to fill, 1..10240.
//	denylist     [string] host regexes (unanchored, RE2 syntax). Alias: blacklist.
//	targets      [string] "service:Operation" patterns, see below (ours, for failureMode sdkerror/latency/denylist).
//	error        string   the sdkerror kind, see below (ours).
//	scope        string   only in faults entries, for SDK-level faults: "call" (default) or
//	                      "invocation", see Dice (ours).
//
// Ours, at the top level:
//
//	expiresAt           string  RFC 3339. From then on every fault is off, whatever isEnabled says.
//	expiresAfterSeconds number  every fault is off this long after the parameter's LastModifiedDate
//	                            (SSM stamps the write time; the experiment state machine cannot
//	                            compute now+pause in JSONPath). With both, the earlier wins.
//	faults              [object] faults active together, each with "mode" and the fields above
//	                            that its mode uses (a field its mode does not use is an error here).
//
// The top-level fault (if failureMode is set) comes first, then faults in order. Top-level fields
// that failureMode does not use are accepted (failure-lambda's own sample config carries them
// all) but type-checked. Unknown fields, unknown modes and values out of range are errors naming
// the JSON path, e.g. `faults[1].rate: want 0 ≤ rate ≤ 1, got 1.5`. The parser and the config
// types are in package faultconfig, which has no AWS dependencies: the experiments compiler
// validates every fault it will write with it, so a config it accepts is one this package reads.
//
// Modes:
//
//	latency     without targets: delays the invocation before the handler runs (failure-lambda).
//	            With targets: delays each matching SDK call before it is sent.
//	exception   the invocation fails with exceptionMsg; the handler does not run.
//	statuscode  the handler does not run; the invocation answers an Out whose StatusCode field
//	            (events.APIGatewayProxyResponse, ...) or "statusCode" map key is statusCode.
//	            For an Out with neither (an SQS handler) the invocation fails instead: answering
//	            an empty SQSEventResponse would report the batch as processed and lose it.
//	diskspace   fills the temp dir (/tmp) with one file of diskSpace MiB of real zeros, kept
//	            while the fault keeps firing and removed at the first invocation where it does not
//	            (rate miss, isEnabled false, expiry). failure-lambda instead adds a new file per
//	            invocation and never removes them.
//	denylist    an SDK call whose host, or whose service's canonical host
//	            <signing-name>.<region>.amazonaws.com, matches a regex fails as a refused
//	            connection. So the seed's "dynamodb.*.amazonaws.com" also bites through a VPC
//	            endpoint, FIPS or a local endpoint such as http://127.0.0.1:4566.
//	sdkerror    a matching SDK call gets the error below, shaped as the service sends it.
//
// # Dice
//
// The top-level fault is failure-lambda's, and like failure-lambda (0.4.4 rolls Math.random()
// once per invocation; a denylist hit blocks every matching connection of that invocation) it is
// decided once per invocation, whatever its mode: Wrap rolls at the start of the invocation and
// passes the decision to the handler in its ctx; every SDK call made with that ctx (or a context
// derived from it, context.WithoutCancel included) reads it, so when the dice hit every matching
// call of the invocation is faulted, the SDK's retries included, and when they miss none is.
// Under the seed's Lab 4 config about half the invocations therefore lose their DynamoDB writes,
// as the lab expects; rolling per call would let the SDK's 3 attempts rescue all but 0.5³ = 1/8.
//
// Entries of faults choose with "scope": "call" (the default) rolls for every matching SDK call,
// each retry attempt included, which is what throttling and 5xx experiments want (the retryer
// faces independent odds); "invocation" behaves as the top-level fault. Invocation-level faults
// (exception, statuscode, diskspace, latency without targets) roll once per invocation anyway.
//
// An invocation-scoped fault seen by an SDK call that carries no decision (a call outside any
// wrapped invocation: init code, a client used without Wrap, a goroutine started on
// context.Background()) rolls per call. If the parameter changes during an invocation (a new
// value or version, not the refetch of the same one every TTL), the invocation rolls once more
// for the new config and keeps that decision.
//
// Where we differ from failure-lambda 0.4.4 on purpose: it never disables its network hook on a
// roll that misses while the mode stays denylist, so after the first hit a warm sandbox keeps
// blocking on every later invocation until the config changes; and it does not know the seed's
// "blacklist" spelling at all (the seed's Lab 4 fault does nothing there). We do what the lab
// text describes: rate is the share of invocations cut off from the dependency.
//
// targets select SDK calls: "dynamodb:UpdateItem", "s3:*", "*:*", "dynamodb:Update*". The service
// is the SigV4 signing name (dynamodb, s3, sqs, sns, monitoring for CloudWatch, states for Step
// Functions), the operation the SDK's operation name; both are path.Match patterns. No targets:
// every call.
//
// sdkerror kinds; the SDK sees exactly what a real outage produces, so its retryer (retries,
// backoff, retry quota) acts for real:
//
//	throttling        DynamoDB: 400 ProvisionedThroughputExceededException (awsJson1.0, the
//	                  typed *types.ProvisionedThroughputExceededException); S3: 503 SlowDown
//	                  (REST-XML); awsQuery services: 400 Throttling; others 400 ThrottlingException.
//	internal          500: DynamoDB InternalServerError (typed), S3 InternalError, else InternalFailure.
//	unavailable       503 ServiceUnavailable.
//	connection-reset  the transport fails with ECONNRESET (a retryable RequestSendError).
//	timeout           the transport waits minLatency..maxLatency (default 0), then fails with an
//	                  i/o timeout (a retryable RequestSendError).
//
// Error bodies follow the call's protocol (awsJson, restJson, restXml, awsQuery, rpcv2Cbor),
// detected from the request the SDK built. The message ends in "(injected by failure injection)".
//
// Examples:
//
//	{"isEnabled": false}
//	{"isEnabled": true, "failureMode": "latency", "rate": 0.5, "minLatency": 3000, "maxLatency": 5000}
//	{"isEnabled": true, "failureMode": "blacklist", "rate": 0.5, "blacklist": ["dynamodb.*.amazonaws.com"]}
//	{"isEnabled": true, "expiresAfterSeconds": 300, "faults": [
//	  {"mode": "sdkerror", "rate": 0.75, "targets": ["dynamodb:*"], "error": "throttling"},
//	  {"mode": "sdkerror", "rate": 0.5, "targets": ["s3:PutObject"], "error": "unavailable"}]}
//	{"isEnabled": true, "faults": [
//	  {"mode": "sdkerror", "rate": 0.3, "targets": ["dynamodb:*"], "error": "unavailable", "scope": "invocation"}]}
//
// # Caching and failure behaviour
//
// The parameter is fetched at most once per TTL (FAILURE_CACHE_TTL, default 5s) per sandbox, never
// per invocation. One fetch is in flight at a time. Before the first config exists, callers wait
// for the first fetch (so a cold start already sees the fault); afterwards the caller that finds
// the config stale fetches (bounded by Options.FetchTimeout, default 2 s) while concurrent callers
// go on with the stale config without waiting. Wrap checks the clock once per invocation; SDK calls
// never read the clock while injection is disabled (a timer marks the config stale after the TTL),
// which keeps a disabled SDK call at about 10 ns and 0 allocations over the bare transport.
//
// A missing, unreadable or invalid parameter turns injection off; the function keeps working.
// Each distinct problem is logged once (ERROR, naming the parameter and the problem) and not again
// while it persists; a good config logs "failure config loaded" once per new value or version,
// and expiry logs once. The injector's own GetParameter calls are never faulted, even through an
// instrumented client, so a fault on every call cannot block its own rollback.
//
// Every injected fault logs one WARN line ("fault injected", mode, service, operation, host, ...)
// and writes one CloudWatch EMF line to Options.Metrics (stdout): namespace ChaosTransformer,
// metric FaultsInjected, dimension Mode, unit Count.
package failure
