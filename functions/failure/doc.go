// Package failure injects faults into a Go Lambda function and into the AWS SDK calls it makes,
// driven by a JSON config in an SSM parameter. It is the Go counterpart of the Node library
// failure-lambda, and reads both of its config formats: 0.x's flat config, which the original lab
// uses, with our extensions (several faults at once, targeting by AWS service and operation,
// SDK-shaped errors), and 1.0's one flag per mode (timeout, corruption, match conditions on the
// event). Both take our expiry.
//
// # Wiring
//
// Build one Injector per sandbox, at init, and use it twice (see Example):
//
//	inj, err := failure.FromEnv(cfg)  // FAILURE_INJECTION_PARAM, FAILURE_CACHE_TTL, FAILURE_LAMBDA_DISABLED, ...
//	cfg = inj.Instrument(cfg)          // SDK-level faults: every client built from cfg
//	lambda.Start(failure.Wrap(inj, h.Handle)) // invocation-level faults, per-invocation dice
//
// The handler passes its ctx (or a context derived from it) to the SDK calls, so that the
// transport finds the invocation's dice there (see Dice).
//
// # Environment (FromEnv)
//
//	FAILURE_INJECTION_PARAM          the SSM parameter's name (failure-lambda's). Unset: never inject.
//	FAILURE_CACHE_TTL                how long a fetched config is used: a Go duration ("5s") or, as
//	                                 in failure-lambda 1.0, seconds ("60"). Default 5s (1.0: 60 s).
//	                                 0 is refused: 1.0 reads it as no cache; we never fetch per invocation.
//	FAILURE_LAMBDA_DISABLED          failure-lambda 1.0's kill switch: "true" turns injection off, the
//	                                 parameter is never read (Options.Disabled). 1.0 disables only on
//	                                 exactly "true"; so do we, and also on "1", "TRUE", ... (with a
//	                                 warning): a kill switch errs on the side of off.
//	FAILURE_INJECTION_DRY_RUN        ours: "true" is failure-lambda 1.0's dryRun (Options.DryRun), which
//	                                 1.0 takes in code only (injectFailure(handler, {dryRun: true})).
//	FAILURE_APPCONFIG_CONFIGURATION  failure-lambda 1.0's AppConfig source: not supported. Set, it
//	                                 turns injection off with an ERROR naming it (rather than read SSM
//	                                 when the AppConfig config was meant).
//
// They are read once, at init: a sandbox's environment does not change while it lives (1.0 reads
// FAILURE_LAMBDA_DISABLED at every invocation, to the same effect).
//
// # Config formats
//
// A config is one of failure-lambda's two formats, told apart by shape: isEnabled, failureMode or
// faults at the top level make a 0.x config; anything else is a 1.0 config (so {} is 1.0 with
// nothing enabled, 1.0's own default). A config mixing the two is an error naming the field.
//
// # 0.x config reference (the SSM parameter's value; docs/contracts.md §3)
//
// failure-lambda 0.x's fields, at the top level; all optional but isEnabled:
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
//	                            compute now+pause in JSONPath; a store that gives no date: from
//	                            this sandbox's first read of the value). With both, the earlier wins.
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
//	diskspace   fills the temp dir (os.TempDir(): TMPDIR, else /tmp) with one file of diskSpace
//	            MiB of real zeros (at most 10 GiB), created new (O_EXCL|O_NOFOLLOW: a link in its
//	            place is removed, never followed), kept while the fault keeps firing and removed at
//	            the first invocation where it does not (rate miss, isEnabled false, expiry).
//	            failure-lambda instead adds a new file per invocation and never removes them.
//	denylist    an SDK call whose host, or whose service's canonical host
//	            <signing-name>.<region>.amazonaws.com, matches a regex fails as a refused
//	            connection. So the seed's "dynamodb.*.amazonaws.com" also bites through a VPC
//	            endpoint, FIPS or a local endpoint such as http://127.0.0.1:4566.
//	sdkerror    a matching SDK call gets the error below, shaped as the service sends it.
//
// # failure-lambda 1.0 config reference
//
// failure-lambda 1.0.0 (2026-02-23) replaced the flat config by one flag per mode. Read in its
// repository (github.com/gunnargrosch/failure-lambda at v1.0.0): README.md ("Failure Modes",
// "Configuration", "Flag Attributes", "Event-Based Targeting", "Environment Variables", "Dry Run
// Mode"), src/types.ts (modes, FAILURE_MODE_ORDER, MatchOperator), src/config.ts
// (validateFlagValue, parseFlags, resolveFailures), src/matching.ts, src/orchestration.ts,
// src/index.ts (the kill switch, dryRun) and src/failures/*.ts (each mode's defaults):
//
//	{"latency":    {"enabled": true, "percentage": 100, "min_latency": 100, "max_latency": 400},
//	 "timeout":    {"enabled": false, "timeout_buffer_ms": 500},
//	 "diskspace":  {"enabled": false, "disk_space": 100},
//	 "denylist":   {"enabled": false, "percentage": 50, "deny_list": ["dynamodb.*.amazonaws.com"]},
//	 "statuscode": {"enabled": false, "status_code": 404},
//	 "exception":  {"enabled": false, "exception_msg": "Exception message!"},
//	 "corruption": {"enabled": false, "percentage": 30, "body": "{\"error\": \"corrupted\"}"},
//	 "expiresAfterSeconds": 300}
//
// Every flag is optional; each present one is an object with:
//
//	enabled     bool      required, in every flag (1.0: "must be a boolean"). A disabled flag needs
//	                      nothing else, but what it has is validated (as 1.0 does).
//	percentage  integer   0..100, the chance in percent that the flag fires, per invocation.
//	                      Default 100 (README: "percentage defaults to 100 if omitted").
//	match       [object]  conditions on the event, all of which must hold (see Match). Default: none.
//
// and its own attributes (README "Flag Attributes"; defaults from src/failures/*.ts):
//
//	latency     min_latency, max_latency  ms, 0..900000 (ours: Lambda's 15 min); min ≤ max when both.
//	                                      Both default to 0; min alone is a fixed delay. Uniform in
//	                                      [min, max]. Delays the invocation; the handler then runs.
//	timeout     timeout_buffer_ms         ms, 0..900000, default 0. Waits until the invocation's deadline minus
//	                                      the buffer, then the handler runs with what is left; with
//	                                      0 the invocation ends at its deadline. No deadline in ctx:
//	                                      nothing injected (logged once).
//	diskspace   disk_space                MB, whole, 1..10240, default 100. As diskspace below.
//	denylist    deny_list                 host regexes (RE2), as denylist below; required and not
//	                                      empty when enabled (1.0 defaults to [] and blocks nothing).
//	statuscode  status_code               100..599, default 500. The handler does not run; the
//	                                      answer also carries 1.0's body {"message":"Injected status
//	                                      code N"} and Content-Type header where Out has Body/Headers.
//	exception   exception_msg             string, default "Injected exception". The handler does not run.
//	corruption  body                      string. After the handler succeeded: the response's body is
//	                                      replaced by body, or without body mangled (see Corruption).
//
// Several flags may be on at once; each rolls its own dice, once per invocation, in 1.0's
// injection order (src/types.ts FAILURE_MODE_ORDER), whatever the order in the JSON: latency,
// timeout, diskspace, denylist (these go on), statuscode, exception (these end the invocation),
// then the handler, then corruption. A flag whose match conditions fail rolls no dice. The 1.0
// denylist is decided per invocation like the 0.x top-level fault (see Dice). Ours beside the
// flags: expiresAt and expiresAfterSeconds, as in 0.x; nothing else of ours (targets, error,
// scope, faults) goes in a 1.0 config: use the 0.x format for those.
//
// # Match
//
// A condition is {"path": ..., "operator": ..., "value": ...} (README "Event-Based Targeting",
// src/matching.ts): path is dot-separated, a whole number indexes a list ("Records.0.eventName");
// operator is eq (the default), exists (the value is there and not null; 0, "" and false exist;
// no value), startsWith or regex (RE2, unanchored: 1.0's JavaScript RegExp.test; lookaround and
// backreferences are refused). Values compare as 1.0's String(value): a string as is, a number
// in JavaScript's form (200, 0.5, 1e+21), true/false; a missing or null value never holds, and
// neither do objects and lists (1.0 would compare "[object Object]" or "a,b").
//
// On an SQS event (Records whose eventSource is aws:sqs), paths read each record, not the event,
// with the record's body decoded when it is a JSON object or list. In this pipeline a record's
// body is an S3 event notification, so
//
//	{"path": "body.Records.0.s3.object.key", "operator": "regex", "value": "msg-[0-9]*[05]\\.json$"}
//
// selects documents by their S3 key, and "attributes.ApproximateReceiveCount" by delivery. A
// flag's conditions must all hold for one record (the same record); the flag then acts on the
// whole invocation, the batch (with the flawed scenario's batch size of 1, one document). 1.0
// reads the envelope instead, where a body is an opaque string and only Records.0 is reachable by
// a fixed path; a path beginning with Records on an SQS event therefore never holds here, and is
// logged as an error once per config. Other events are read as they are, as in 1.0. Conditions
// cost one JSON encoding and decoding of the event per invocation while a flag with match is
// enabled (about 20 µs for one SQS record); none otherwise.
//
// # Corruption
//
// corruption acts on the handler's successful response (1.0: src/failures/corruption.ts). With a
// string Body field (events.APIGatewayProxyResponse, ...), a "body" key of a map, or a string Out:
// body replaces it; without body the body is mangled as 1.0 does: cut at 30-80 % of its length,
// then three U+FFFD (a string Out is left as is then, as 1.0 leaves a response without a body).
//
// For a batch response (events.SQSEventResponse, or any struct with a BatchItemFailures list, or
// a map with "batchItemFailures") corruption means the list no longer names the records that
// failed, in 1.0's two ways:
//
//	without body  each itemIdentifier is mangled. Lambda finds no such message in the batch and
//	              treats the whole batch as failed (local/esm/esm.go applies the same rule): every
//	              record of it, processed or not, is received again after the queue's visibility
//	              timeout; processing is repeated and must be idempotent.
//	with body     the list is emptied (1.0 would answer {body}, which Lambda reads as a batch
//	              without failures). Lambda deletes the failed records as processed: they are lost,
//	              neither retried nor sent to the error queue.
//
// A response that reports no failure has nothing to corrupt and is left as is. The effect is
// visible to a probe: each corruption writes FaultsInjected (Mode corruption) and
// BatchItemFailuresCorrupted (namespace ChaosTransformer, dimension Mode, and FunctionName as a
// set of its own when the function's name is known, the number of failures
// garbled or dropped); in the pipeline's own metrics dropped records never reach SymbolWriteCount
// or the CSV queue, so messages-in-flight rises, while a mangled list shows as repeated
// processing and records kept in flight for a visibility timeout (180 s). The flawed scenario
// reports failures as invocation errors, never in the list, so corruption cannot change it. An
// Out of any other type is left as is (logged once per config): 1.0 would answer {body}, a value
// of another type, which a Go handler cannot return.
//
// # Dry run
//
// With Options.DryRun (FAILURE_INJECTION_DRY_RUN=true), as 1.0's dryRun: every fault is
// evaluated (match conditions, dice) and each that would fire logs one INFO line "fault dry run"
// with action "dryrun" and its mode; nothing is injected, no metric is written, the handler and
// its SDK calls run as if no fault were configured. It applies to both formats.
//
// # Differences from failure-lambda 1.0, on purpose
//
// What of 1.0 is not supported is refused, never ignored: the AppConfig source (see Environment);
// an unknown top-level key, which 1.0 skips silently; an attribute a flag does not have
// ("latency.exception_msg", or the 0.x spelling "minLatency"), which 1.0 ignores; a condition's
// value with exists. 1.0 drops an invalid flag and applies the others; a config with any error is
// invalid here, and nothing is injected (logged once, see below). Further: denylist acts on the
// SDK calls made through the instrumented clients (1.0 hooks every DNS lookup of the process) and
// fails them as refused connections (1.0: ENOTFOUND); its regexes are RE2, so 1.0's refusal of
// nested quantifiers (a backtracking guard) is not needed; diskspace keeps one file (see below);
// FAILURE_CACHE_TTL defaults to 5 s, not 60.
//
// # Dice
//
// (The 0.x format's dice; 1.0's flags all roll once per invocation.) The top-level fault is failure-lambda's, and like failure-lambda (0.4.4 rolls Math.random()
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
// A missing, unreadable or invalid parameter (either format) turns injection off; the function
// keeps working. Each distinct problem is logged once (ERROR, naming the parameter and the
// problem) and not again while it persists; a good config logs "failure config loaded" once per
// new value or version (with its format, "0.x" or "1.0"), and expiry logs once. The injector's
// own GetParameter calls are never faulted, even through an instrumented client, so a fault on
// every call cannot block its own rollback.
//
// Every injected fault logs one WARN line ("fault injected", mode, service, operation, host, ...)
// and writes one CloudWatch EMF line to Options.Metrics (stdout): namespace ChaosTransformer,
// metric FaultsInjected, dimension Mode (and FunctionName, a set of its own, from
// AWS_LAMBDA_FUNCTION_NAME: the dashboard counts one function's faults), unit Count; a corrupted batch response also writes
// BatchItemFailuresCorrupted. With FAILURE_LAMBDA_DISABLED, or no parameter, Wrap costs a
// pointer load and SDK calls an atomic load: nothing is fetched, not even the clock is read.
package failure
