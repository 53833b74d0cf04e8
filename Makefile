GO      ?= go
SHELL   := /bin/bash
BIN     := build/pasteld
# Packages whose tests run with the race detector; the e2e tests start real
# node processes and run without it (the nodes are built without -race).
FUZZTIME ?= 5s
# go.mod's toolchain line (a Go with the security fixes we need) is honoured
# even where the local go env says GOTOOLCHAIN=local: the go command fetches
# that toolchain from the module proxy once.
GOTOOLCHAIN ?= auto
export GOTOOLCHAIN
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.1.4

.PHONY: build test test-unit test-e2e fuzz bench bench-scale originality-report lint vulncheck proto devnet devnet-reset clean localnet localnet-stop chaos

build:
	$(GO) build -o build/chunkd ./chunkd/cmd/chunkd
	$(GO) build -o $(BIN) ./cmd/pasteld

## test: everything CI runs — vet, unit tests with -race, e2e tests with real processes, short fuzzing
test: lint test-unit test-e2e fuzz

## lint: go vet, staticcheck (pinned), gofmt
lint:
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## vulncheck: known vulnerabilities reached from our code (needs https://vuln.go.dev)
vulncheck:
	$(GO) run $(GOVULNCHECK) ./...

test-unit:
	$(GO) test -race -timeout 20m $$($(GO) list ./... | grep -v /e2e)

test-e2e:
	$(GO) test -timeout 40m -count=1 ./e2e/...

fuzz:
	FUZZTIME=$(FUZZTIME) ./scripts/fuzz.sh

## bench: prints the performance figures (see README "Performance")
bench:
	./scripts/bench.sh

## bench-scale: state per art against R; 10^3 masternodes with 10^4 and 10^5 arts (about an hour; SCALE_ARTS=1000,10000 for a 5-minute run): state, registration, block time, queries, memory; heal after losing 30%; durability after sudden loss (issue 13). SCALE_DIR=path keeps the largest state there and resumes it on the next run (how 10^6 gets built: SCALE_ARTS=10000,1000000 SCALE_DIR=...)
SCALE_ARTS ?= 10000,100000
SCALE_DIR ?=
bench-scale:
	PASTEL_BENCH=1 PASTEL_BENCH_SCALE_ARTS=$(SCALE_ARTS) PASTEL_BENCH_SCALE_DIR=$(SCALE_DIR) $(GO) test -count=1 -timeout 240m -run 'TestBenchStatePerArt|TestBenchBlockTime|TestBenchDurability|TestBenchScale' ./x/storage/ -v | grep -vE '^(=== RUN|--- PASS|PASS|ok )'
	$(GO) test -run '^$$' -bench 'BenchmarkStats' -benchtime 20x ./x/storage/ | grep -E '^Benchmark'

## originality-report: crop/edit recall and false positives on Debian's wallpapers
originality-report:
	./scripts/originality.sh

proto:
	protoc -I proto --go_out=. --go_opt=module=github.com/pastelchain/pastel $$(find proto -name '*.proto')

## devnet: build and run a local chain under ./.devnet (reused across runs)
devnet: build
	./scripts/devnet.sh

devnet-reset:
	rm -rf .devnet

clean:
	rm -rf build

## localnet: 4 validators and 8 chunkd masternodes on loopback under ./.localnet (background)
localnet: build
	./scripts/localnet.sh start

localnet-stop:
	./scripts/localnet.sh stop

## chaos: the short chaos run (also part of make test); chaos-long: one hour, report in ./chaos-report
# The test log is kept next to the report; pipefail keeps the test's exit status.
chaos:
	mkdir -p chaos-report && set -o pipefail && PASTEL_CHAOS_REPORT=$(CURDIR)/chaos-report $(GO) test -count=1 -timeout 30m -run TestChaos -v ./e2e/ 2>&1 | tee chaos-report/test.log

chaos-long:
	mkdir -p chaos-report && set -o pipefail && PASTEL_CHAOS_DURATION=1h PASTEL_CHAOS_REPORT=$(CURDIR)/chaos-report $(GO) test -count=1 -timeout 3h -run TestChaos -v ./e2e/ 2>&1 | tee chaos-report/test.log
