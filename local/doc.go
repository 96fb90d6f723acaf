// Package local is the root of the local cloud behind `make lab`: AWS on 127.0.0.1 for the lab's
// stack, with real emulators where they exist and the project's own Go code where none does.
//
// One endpoint serves every service (AWS_ENDPOINT_URL=http://127.0.0.1:<port>, credentials
// AKIDLOCAL/local, region us-east-1, account 000000000000): package gateway routes each request by
// the service in its SigV4 credential scope.
//
//	s3, sqs, sns   → fauxqs on Node 22 (package emulators), with interceptors:
//	                 s3events (S3 event notifications), sns (delivery to SQS subscribers),
//	                 cloudwatch.SQSMetrics (AWS/SQS counts)
//	dynamodb       → DynamoDB Local on Java 17 in its own network namespace (package emulators)
//	ssm            → package ssm (Parameter Store)
//	monitoring     → package cloudwatch (metrics, metric math, dashboards; RPCv2-CBOR, JSON 1.0
//	                 and the query protocol, chosen per request as each client sends it)
//	lambda, states → packages lambda and sfn
//
// The wiring, in order (local/cloud does this):
//
//	fq, _ := emulators.StartFauxqs(ctx, emulators.Options{RunDir: dir})
//	ddb, _ := emulators.StartDynamoDB(ctx, emulators.Options{RunDir: dir})
//	g := gateway.New(gateway.Options{})
//	addr, _ := g.Listen(ctx)                                   // clients: http://<addr>
//	viaGateway := sqs.New(... BaseEndpoint http://<addr> ...)  // deliveries are counted
//	direct := fq.Endpoint()                                    // emulator-internal lookups
//	metrics := cloudwatch.NewStore()
//	snsSvc := sns.New(sns.Options{Topics: sns client on direct, Queues: viaGateway, Metrics: metrics})
//	notifier := s3events.New(s3events.Options{Queues: viaGateway, Topics: snsSvc})
//	sqsm := cloudwatch.NewSQSMetrics(metrics, cloudwatch.SQSMetricsOptions{Queues: sqs client on direct, Fauxqs: direct})
//	go sqsm.Run(ctx)
//	for _, s := range []string{"s3", "sqs", "sns"} { g.Proxy(s, fq.Endpoint(), nil) }
//	g.Proxy("dynamodb", ddb.Endpoint(), ddb.Dial)
//	g.Use("s3", notifier.Middleware); g.Use("sns", snsSvc.Middleware); g.Use("sqs", sqsm.Middleware)
//	g.Handle("ssm", ssm.New()); g.Handle("monitoring", metrics.Handler())
//
// Queue URLs are built from the request's Host, so through the gateway they are
// http://127.0.0.1:<gateway port>/000000000000/<name>. Every SQS call whose metric matters (the
// event source mapping's ReceiveMessage/DeleteMessage, the drivers' sends) must go through the
// gateway: the gateway is the witness that counts them. Function logs are turned into metrics
// with cloudwatch.ParseEMF and Store.Put.
package local
