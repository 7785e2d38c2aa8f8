# berth — run `make` or `make help` for the targets.

GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
BIN       := bin/berth
FUZZTIME  ?= 30s
GOLANGCI  := bin/golangci-lint
GOLANGCI_VERSION := v2.15.0
NPM       ?= npm

.DEFAULT_GOAL := help
.PHONY: help build run ui web-deps test lint fmt bench bench-admin bench-stats fuzz reliability examples clean

help: ## Show the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## Build bin/berth and bin/berth-watchdog (static, CGO_ENABLED=0)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/berth
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o bin/berth-watchdog ./cmd/berth-watchdog

run: ## Build the dashboard (when npm exists) and bin/berth, then run the all-in-one server (./berth-data)
	@if command -v $(NPM) >/dev/null 2>&1; then $(MAKE) --no-print-directory ui; \
	else echo "npm not found: berth will serve a placeholder page instead of the dashboard (install Node.js 20.19+ and npm, then make run again)."; fi
	@$(MAKE) --no-print-directory build
	./$(BIN) serve

ui: web-deps ## Build the dashboard into web/dist, which the next Go build embeds (needs Node.js 20.19+)
	cd web && $(NPM) run build

# web-deps installs the dashboard's npm packages when package-lock.json is
# newer than what web/node_modules holds.
web-deps:
	@command -v $(NPM) >/dev/null 2>&1 || { echo "npm not found: the dashboard needs Node.js 20.19+ and npm."; exit 1; }
	@test web/node_modules/.package-lock.json -nt web/package-lock.json || (cd web && $(NPM) ci --no-audit --no-fund)

test: ## Run every test: Go (race detector; PostgreSQL and Redis on localhost), then the dashboard's (Vitest, then Chromium end to end)
	$(GO) test -race -count=1 -timeout 20m ./...
	@$(MAKE) --no-print-directory web-deps
	cd web && $(NPM) test
	cd web && $(NPM) run e2e

lint: $(GOLANGCI) ## gofmt, go vet and golangci-lint
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	$(GOLANGCI) run ./...

$(GOLANGCI):
	GOBIN=$(CURDIR)/bin $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)

fmt: ## Format the Go code
	gofmt -w .

bench: ## Run the benchmarks; writes bench/results/<date>.json and .md
	$(GO) run ./bench/cmd/berth-bench -out bench/results

bench-admin: ## The accounts list at 100 000 accounts on SQLite and PostgreSQL; writes bench/results/<date>-admin.json and .md
	$(GO) run ./bench/cmd/berth-adminbench -out bench/results

bench-stats: ## Stats at scale (5M executions, ~40 min); writes bench/results/<date>-stats.json and .md
	$(GO) run ./bench/cmd/berth-statsbench -out bench/results

fuzz: ## Run every fuzz target for FUZZTIME each (default 30s; CI runs FUZZTIME=10000x, a count of inputs)
	@# Targets are found in the test sources: listing them with go test -list
	@# would compile every package's tests first.
	@set -e; $(GO) list -f '{{.ImportPath}} {{.Dir}}' ./... | while read -r pkg dir; do \
		for target in $$(cat "$$dir"/*_test.go 2>/dev/null | sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p'); do \
			echo "== $$pkg $$target"; \
			$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

reliability: ## The reliability suite in its long mode (~12 min, 10-minute soak); make test runs its short mode
	BERTH_RELIABILITY=full $(GO) test -count=1 -timeout 40m -v ./reliability/

examples: ## Build the example functions (needs clang and wasi-libc for the C one) and the example plugin
	GOOS=wasip1 GOARCH=wasm $(GO) build -o examples/hello-go/hello.wasm ./examples/hello-go
	clang --target=wasm32-wasi -O2 -o examples/hello-c/hello.wasm examples/hello-c/hello.c
	$(GO) build -o examples/plugin-notes/plugin-notes ./examples/plugin-notes

clean: ## Remove build output (not the data directory)
	rm -rf bin
