# senaite-sync — see README.md. Every target works on a fresh machine:
# scripts/services.sh installs and starts PostgreSQL and NATS when needed.
GO       ?= go
# encoding/json built on the json/v2 engine (Go 1.25+ experiment; same
# behaviour, error texts aside): decoding the labs' answers is most of the
# fetch's and the replay's CPU, and this build does it faster (make bench:
# fetch 17 s → 13 s, whole 50k migration 1m49 → 1m39 on the same machine).
export GOEXPERIMENT ?= jsonv2
BIN      := bin
# the version the binaries print (senaite-sync version): the commit, its
# tag when it has one, "-dirty" for a tree with uncommitted changes
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X github.com/senaite-sync/senaite-sync/internal/cli.Version=$(VERSION)
PKGS     := ./...
FUZZTIME ?= 1m

.PHONY: all build test test-race fuzz bench bench-labs bench-capacity bench-sim chaos demo screenshots services vet fmt clean

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

services:
	bash scripts/services.sh

vet:
	$(GO) vet $(PKGS)

fmt:
	gofmt -l -w cmd internal

# The test command of the README and of CI.
test: services vet build
	$(GO) test -count=1 -timeout 25m $(PKGS)

test-race: services
	$(GO) test -count=1 -race -timeout 20m $(PKGS)

# Feeds the client's decoders arbitrary bytes; FUZZTIME per target.
fuzz:
	for t in FuzzDecodePage FuzzDecodeItem FuzzMembers FuzzValue FuzzParseTime FuzzClassifyResponse; do \
		$(GO) test -run='^$$' -fuzz="^$$t$$" -fuzztime=$(FUZZTIME) ./internal/senaite || exit 1; \
	done

# Migrates a generated 50,000-object lab with standalone and prints fetch
# and import rates, the ratio of import throughput to the destination's raw
# create capacity (measured in the same run), and standalone's peak memory;
# then edits BENCH_CHANGED of the source and times an update run (what it
# read completely against what changed, and the requests it sent the labs).
BENCH_OBJECTS ?= 50000
BENCH_CHANGED ?= 0.01
# BENCH_DATABASE is dropped and recreated: two benchmarks at once on one
# PostgreSQL server need a name each.
BENCH_DATABASE ?= senaite_sync_bench
bench: build services
	$(BIN)/senaite-bench migration --objects $(BENCH_OBJECTS) --changed $(BENCH_CHANGED) --database $(BENCH_DATABASE)

# A 20,000-object migration and two updates while a seeded harness kills
# importers, fetchers and the leading coordinator (SIGKILL, SIGSTOP),
# restarts its own nats-server and this machine's PostgreSQL, and the
# destination fails as labs do; prints a table, fails unless every run
# succeeded, verify is clean and both labs are equal. Not part of make test.
CHAOS_OBJECTS ?= 20000
CHAOS_SEED    ?= 1
PG_VERSION    := $(shell ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
chaos: build services
	$(BIN)/senaite-bench chaos --objects $(CHAOS_OBJECTS) --seed $(CHAOS_SEED) \
		--restart-postgres "$(if $(filter 0,$(shell id -u)),,sudo )pg_ctlcluster --skip-systemctl-redirect $(PG_VERSION) main restart -m fast"

# K labs (BENCH_LABS, default 8) of BENCH_LAB_OBJECTS each, every lab a
# simulator of BENCH_LAB_CAPACITY threads at BENCH_LAB_LATENCY a request,
# feed one empty central lab at once, with 1, 2 and 4 importer processes:
# objects/s, the share of the central lab's capacity used, requests per
# object, the fairness between the labs, and the scaling curve as a PNG.
BENCH_LABS         ?= 8
BENCH_LAB_OBJECTS  ?= 500
BENCH_LAB_LATENCY  ?= 20ms
BENCH_LAB_CAPACITY ?= 8
bench-labs: build services
	$(BIN)/senaite-bench labs --labs $(BENCH_LABS) --objects $(BENCH_LAB_OBJECTS) --latency $(BENCH_LAB_LATENCY) \
		--capacity $(BENCH_LAB_CAPACITY) --importers 1,2,4 --png docs/bench-labs.png

# An import with every default (the remote's and the processes') into an
# empty lab of 2 and of 16 threads at 50 ms a request: the share of the
# lab's capacity (threads/latency requests a second) it used, the lab's
# queue wait, and its threads' use second by second (the adaptive
# concurrency of internal/budget).
BENCH_CAPACITY_OBJECTS ?= 1500
bench-capacity: build services
	$(BIN)/senaite-bench capacity --objects $(BENCH_CAPACITY_OBJECTS) --latency 50ms --capacities 2,16

# The simulator's raw capacity: complete items/s on listings, creates/s,
# memory for a 50,000-object lab.
bench-sim: build
	$(BIN)/senaite-bench sim --objects 50000

demo: build
	bash scripts/demo.sh

# The console's main pages in headless Chromium (Debian's chromium), into
# docs/console-*.png for the README.
screenshots: build services
	bash scripts/screenshots.sh

clean:
	rm -rf $(BIN) data demo-data
