# Lyssna's developer tasks. `make run` and `make test` are all a new clone needs.

GO        ?= go
BIN       ?= bin/lyssna
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
# Pinned so lint gives the same answer everywhere; 0.8.x understands Go 1.26.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

# The tests' PostgreSQL: each test makes its own schema in this database.
LYSSNA_TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
export LYSSNA_TEST_POSTGRES_URL

.PHONY: build run test lint bench clean man

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/lyssna

run: build
	./$(BIN) serve

test:
	$(GO) vet ./...
	$(GO) test -race -timeout 15m ./...

lint:
	@unformatted="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt -w these files:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# make bench: Lyssna against nginx, the AWS CLI and ffprobe (bench/README.md).
bench:
	bash bench/run.sh

# The packages' Go benchmarks.
.PHONY: bench-go
bench-go:
	$(GO) test -run='^$$' -bench=. ./...

# The man page, made from the help texts (a test checks it is current).
man:
	$(GO) run ./cmd/lyssna man > docs/lyssna.1

clean:
	rm -rf bin
