# wbsync: `make demo` and `make test` do everything on a fresh machine.
GO      ?= go
BIN     ?= bin/wbsync
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commitStamp=$(COMMIT)
FUZZTIME ?= 30s

.PHONY: build demo test vet fmt-check bench bench-scale fuzz lint docker clean

## build: the wbsync binary in bin/ (release flags: -trimpath, version stamped)
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/wbsync

## demo: build, start the emulator on loopback, plan, apply, plan again, stop
demo: build
	./scripts/demo.sh $(BIN)

## test: gofmt, go vet and every test with the race detector
test: fmt-check vet
	$(GO) test -race -count=1 -timeout 30m ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

## bench: the benchmarks (request counts, ratios and timings); figures go to BENCHMARKS.md
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## bench-scale: 100k users, 5k teams, 500k memberships: validate, plan and export next to
## their floors (a bare yaml.v3 parse, a bare read of every page), as a table for BENCHMARKS.md
bench-scale: build
	$(GO) run ./scripts/benchscale -bin $(BIN)

## fuzz: each fuzz target for FUZZTIME (the seed corpora run in `make test`)
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin

## lint: staticcheck and actionlint on the workflow recipes (vet and gofmt run in `make test`)
lint:
	./scripts/lint.sh

## docker: the container image (needs a Docker engine; not run in CI)
docker:
	docker build --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) -t wbsync:$(VERSION) -t wbsync:latest .
