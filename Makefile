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

.PHONY: build run test lint bench clean man release

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

# make release: static binaries for each platform with the version embedded,
# each in a tar.gz with the licence, notice, changelog and man page, and
# SHA256SUMS over the archives. VERSION=v0.1.0 names them.
PLATFORMS ?= linux/amd64 linux/arm64 darwin/arm64
DIST      ?= dist
release:
	rm -rf $(DIST) && mkdir -p $(DIST)
	@set -e; for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; name=lyssna-$(VERSION)-$$os-$$arch; \
		echo "building $(DIST)/$$name.tar.gz"; \
		mkdir -p $(DIST)/$$name; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(DIST)/$$name/lyssna ./cmd/lyssna; \
		cp LICENSE NOTICE README.md CHANGELOG.md docs/lyssna.1 $(DIST)/$$name/; \
		tar -C $(DIST) -czf $(DIST)/$$name.tar.gz $$name; \
		rm -rf $(DIST)/$$name; \
	done
	cd $(DIST) && if command -v sha256sum >/dev/null; then sha256sum *.tar.gz; else shasum -a 256 *.tar.gz; fi > SHA256SUMS
	@cat $(DIST)/SHA256SUMS

clean:
	rm -rf bin dist
