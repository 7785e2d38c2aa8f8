# berth — run `make` or `make help` for the targets.

GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
BIN       := bin/berth
FUZZTIME  ?= 30s
GOLANGCI  := bin/golangci-lint
GOLANGCI_VERSION := v2.15.0

.DEFAULT_GOAL := help
.PHONY: help build run test lint fmt bench fuzz examples clean

help: ## Show the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## Build bin/berth (static, CGO_ENABLED=0)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/berth

run: build ## Build and run the all-in-one server with embedded defaults (./berth-data)
	./$(BIN) serve

test: ## Run every test (race detector on; PostgreSQL and Redis on localhost)
	$(GO) test -race -count=1 -timeout 20m ./...

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

fuzz: ## Run every fuzz target for FUZZTIME each (default 30s)
	@set -e; for pkg in $$($(GO) list ./...); do \
		for target in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz' || true); do \
			echo "== $$pkg $$target"; \
			$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

examples: ## Build the example functions (needs clang and wasi-libc for the C one)
	GOOS=wasip1 GOARCH=wasm $(GO) build -o examples/hello-go/hello.wasm ./examples/hello-go
	clang --target=wasm32-wasi -O2 -o examples/hello-c/hello.wasm examples/hello-c/hello.c

clean: ## Remove build output (not the data directory)
	rm -rf bin
