// Package local is the root of the local cloud behind `make lab`: AWS on 127.0.0.1 for the lab's
// stacks (several at once, as CloudFormation holds them), with real emulators where they exist and
// the project's own Go code where none does.
//
// One endpoint serves every service (AWS_ENDPOINT_URL=http://127.0.0.1:<port>, a key made at each
// start, region us-east-1, account 000000000000): package gateway verifies each request's SigV4
// signature and routes it by the service in its credential scope.
//
//	s3, sqs, sns   → fauxqs on Node 22 (package emulators), with interceptors: cloud's servedAs
//	                 (fauxqs tells the three apart by a request's shape: one shaped as another
//	                 service's than its scope names is refused), s3events (S3 event notifications), sns (delivery to SQS subscribers,
//	                 filter policies, FIFO topics), cloudwatch.SQSMetrics (AWS/SQS counts),
//	                 cloud's queue policies (SQS API policies into the IAM engine), sqs.LongPoll
//	                 (a long poll returns empty only when its wait is over)
//	dynamodb       → DynamoDB Local on Java 17 in its own network namespace (package emulators)
//	ssm            → package ssm (Parameter Store)
//	sts            → package sts (GetCallerIdentity)
//	monitoring     → package cloudwatch (metrics, metric math, dashboards; RPCv2-CBOR, JSON 1.0
//	                 and the query protocol, chosen per request as each client sends it)
//	lambda, states → packages lambda and sfn
//	logs           → package logs (CloudWatch Logs reads: the functions' lines, which lambda
//	                 puts there as it writes them to its files)
//
// The wiring, in order (local/cloud does this):
//
//	fq, _ := emulators.StartFauxqs(ctx, emulators.Options{RunDir: dir})
//	ddb, _ := emulators.StartDynamoDB(ctx, emulators.Options{RunDir: dir})
//	keys := gateway.NewKeyStore(); user := keys.NewKey("arn:aws:iam::000000000000:root")
//	g := gateway.New(gateway.Options{Keys: keys, Region: "us-east-1", Authorize: ...})
//	addr, _ := g.Listen(ctx)                                   // clients: http://<addr>
//	as := func(p string) sqs client on http://<addr> with keys.SessionKey(p) // deliveries are counted
//	                                    // (HTTPClient g.InProcessClient(): no TCP, same checks)
//	direct := fq.Endpoint() with fq.HTTPClient()               // emulator-internal lookups
//	metrics := cloudwatch.NewStore()
//	snsSvc := sns.New(sns.Options{Topics: sns client on direct, Queues: as("sns.amazonaws.com"), Metrics: metrics})
//	notifier := s3events.New(s3events.Options{Queues: as("s3.amazonaws.com"), Topics: snsSvc})
//	sqsm := cloudwatch.NewSQSMetrics(metrics, cloudwatch.SQSMetricsOptions{Queues: sqs client on direct, Fauxqs: fq.SecretURL()})
//	go sqsm.Run(ctx)
//	for _, s := range []string{"s3", "sqs", "sns"} { g.ProxyTo(s, gateway.Upstream{URL: fq.Endpoint(), Header: fq.Header()}) }
//	g.Proxy("dynamodb", ddb.Endpoint(), ddb.Dial)
//	g.Use("s3", notifier.Middleware); g.Use("sns", snsSvc.Middleware); g.Use("sqs", sqsm.Middleware); g.Use("sqs", sqs.LongPoll)
//	g.Handle("ssm", ssm.New()); g.Handle("monitoring", metrics.Handler())
//	lg := logs.New(region, account); g.Handle("logs", lg.Handler())  // lambda.Options{Logs: lg}
//
// Queue URLs are built from the request's Host, so through the gateway they are
// http://127.0.0.1:<gateway port>/000000000000/<name>. Every SQS call whose metric matters (the
// event source mapping's ReceiveMessage/DeleteMessage, the drivers' sends) must go through the
// gateway: the gateway is the witness that counts them. Function logs are turned into metrics
// with cloudwatch.ParseEMF and Store.Put.
//
// # Nobody else gets in
//
// Keys. Each start makes the user a long-term key (AKIA + 16, a 40-character secret) standing for
// the account (arn:aws:iam::000000000000:root); it is written 0600 into the run directory (the
// state file, which `chaoslab local env` and the control API's callers read, and a credentials
// file in the AWS shared-credentials format) and lives until the cloud stops. The gateway accepts
// no other long-term key: the old fixed AKIDLOCAL/local is refused like any unknown key. Every
// principal the cloud itself acts as gets a temporary key (ASIA..., secret, session token), one
// per principal: each function's sandbox gets its execution role's (Lambda's own way: the role's
// credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), Step Functions'
// aws-sdk Tasks are signed with the state machine's role's, S3 notifications and SNS deliveries to
// queues with s3.amazonaws.com's and sns.amazonaws.com's (naming the bucket or topic they deliver
// for: gateway.WithSource), the event source mapping's receives and deletes with the function's
// role's, as in AWS. chaoslab.internal signs only the cloud's own plumbing, which has no AWS
// counterpart. gateway.PrincipalFrom(ctx) names the principal of a verified request.
// local/cloud/credentials.go lists who signs what, and the calls made in process, which pass no
// gateway. The signed calls the cloud makes itself reach the gateway's handler through
// gateway.InProcessClient, without a socket: verified, authorized and counted as any other.
//
// IAM. The deployed templates' policies decide every request (local/iam, wired in
// local/cloud/iam.go): the user's key is the account's root and may do everything, chaoslab.internal
// likewise; a role or a service principal may do what the role's policies and the resource's
// policies allow, by AWS's evaluation logic, and is refused otherwise with the service's own
// AccessDenied. The calls made in process are decided where they happen (an EventBridge rule's
// target, S3's publish to a topic). The deploy fails where CloudFormation would: a role Lambda or
// Step Functions may not assume, an event source mapping whose role may not poll, a notification
// destination whose policy does not admit S3, a policy the local IAM cannot read. Loopback HTTP
// counts as TLS (aws:SecureTransport).
//
// Signatures. The gateway rebuilds each request's canonical request and checks its SigV4 signature
// (header or presigned), the payload (x-amz-content-sha256 checked against the body, or computed;
// S3's signed chunks one by one; UNSIGNED-PAYLOAD and STREAMING-UNSIGNED-PAYLOAD-TRAILER accepted
// as AWS does), the clock (15 minutes) and the scope; a refusal is the service's own error in its
// own protocol (local/gateway/sigv4.go, autherr.go).
//
// Listeners. The gateway is the only way in. Every other listener is the cloud's alone:
//
//   - fauxqs listens on 127.0.0.1 (its inspection endpoint is read by URL): every request must
//     carry a secret made at each start (a header from the gateway and the cloud's own clients,
//     Basic credentials in the URL for the SQS sampler), else 403 before its body is read.
//   - DynamoDB Local listens only inside its own network namespace; the relay's Unix socket is in
//     a 0700 directory and wants the start's secret as its first line, else it closes.
//   - A sandbox's Runtime API must be TCP (an unmodified bootstrap dials
//     AWS_LAMBDA_RUNTIME_API=host:port and presents no secret; SO_PEERCRED does not exist for
//     TCP): each connection's client end is traced through /proc/net/tcp to its socket inode and
//     must be an open file of the sandbox's process or its process group, else 403. A network
//     namespace per sandbox would also do, but makes the function uid 0 of a user namespace and
//     costs every cold start a namespace and a relay process (local/lambda/peer.go).
//   - The Step Functions host listens on nothing: it talks over its stdin and stdout.
//   - The dashboards' pages and the control API take a token made at each start.
//
// Within the user's own account these are not a wall against a process that reads the state file
// or ptraces the cloud: the boundary is the user, as for ~/.aws/credentials.
//
// Children. No process outlives the cloud, even when it is killed with SIGKILL: every child is
// started with PR_SET_PDEATHSIG=SIGKILL (fauxqs's Node, the Step Functions host, each sandbox's
// bootstrap, unshare), and the one tree deeper than one level, DynamoDB Local's, runs in its own
// PID namespace (unshare -rn --pid --fork --kill-child): unshare's child, the Node relay, is its
// PID 1 and gets SIGKILL when unshare dies (--kill-child), and when a PID namespace's PID 1 dies
// the kernel kills everything in it, the JVM included. Neither setpriv(1) nor a re-exec of our
// binary as a watcher was needed: both add a race (a parent that dies before the child's prctl)
// or a process, where the PID namespace is the kernel's own guarantee. What a function itself
// starts (its own children) is killed with its process group when the sandbox ends, but not on a
// SIGKILL of the cloud (the bootstrap dies; its children are orphaned).
package local
