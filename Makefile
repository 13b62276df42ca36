# Lyssna's developer tasks. `make run` and `make test` are all a new clone needs.

GO        ?= go
BIN       ?= bin/lyssna
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
# Pinned so lint gives the same answer everywhere; 0.8.x understands Go 1.26.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
# govulncheck reads the Go vulnerability database from a local copy built
# from the golang.org/x/vulndb module (its data/osv entries, fetched through
# the Go module proxy), not from vuln.go.dev, so it runs where only the
# proxy is reachable (CI). Bump VULNDB to a newer pseudo-version to update
# it: `go list -m -versions golang.org/x/vulndb` shows none (it is untagged),
# so take the newest from `go list -m golang.org/x/vulndb@master`.
GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.9.0
VULNDB      := v0.0.0-20261105234957-e22db6528018
VULNDB_DIR  ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/lyssna/vulndb-$(VULNDB)
# Built once, not `go run`: go run exits 1 whatever the program's status, and
# govulncheck's 3 ("vulnerabilities found") must be told from a failure.
GOVULNCHECK_BIN := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/lyssna/govulncheck-v1.9.0/govulncheck

# The tests' PostgreSQL: each test makes its own schema in this database.
LYSSNA_TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
export LYSSNA_TEST_POSTGRES_URL

.PHONY: build run test lint bench clean man release

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/lyssna

run: build
	./$(BIN) serve

# The packages whose tests take longest, named first so that they are built
# and started first: go test runs two packages at a time on a 2-core machine,
# and in ./...'s alphabetical order server and uploads came last, one of
# them then running alone. Every package is still tested once.
SLOW_TEST_PKGS := ./server ./admin ./uploads ./cmd/lyssna ./feed ./episodes ./imports ./web

test:
	$(GO) vet ./...
	$(GO) test -race -timeout 15m $(SLOW_TEST_PKGS) ./...

lint:
	@unformatted="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt -w these files:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	$(MAKE) --no-print-directory vulncheck

# make vulncheck: govulncheck over every package, against the local copy of
# the vulnerability database (built once into VULNDB_DIR, a few minutes).
.PHONY: vulncheck
# A finding in a module fails; one in the standard library ("Found in:
# stdlib@go1.x" or "html/template@go1.x"; fixed by
# building with a newer Go release, not by a change here) is a warning
# unless VULN_STDLIB=fail.
vulncheck: $(VULNDB_DIR)/index/db.json $(GOVULNCHECK_BIN)
	@out="$$($(GOVULNCHECK_BIN) -db file://$(VULNDB_DIR) ./... 2>&1)"; status=$$?; echo "$$out"; \
	if [ $$status -ne 0 ] && [ $$status -ne 3 ]; then exit $$status; fi; \
	if echo "$$out" | grep 'Found in:' | grep -qv '@go[0-9]'; then echo "vulncheck: upgrade the modules above"; exit 3; fi; \
	if echo "$$out" | grep -q 'Found in:.*@go[0-9]'; then \
		echo "vulncheck: WARNING: the findings above are in the Go standard library of $$($(GO) env GOVERSION); build with the Go release named in 'Fixed in'"; \
		[ "$(VULN_STDLIB)" != fail ]; \
	fi

$(GOVULNCHECK_BIN):
	GOBIN="$(dir $(GOVULNCHECK_BIN))" $(GO) install $(GOVULNCHECK)

$(VULNDB_DIR)/index/db.json:
	@src="$$($(GO) mod download -json golang.org/x/vulndb@$(VULNDB) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p')"; \
	test -d "$$src/data/osv" || { echo "golang.org/x/vulndb@$(VULNDB) has no data/osv"; exit 1; }; \
	rm -rf "$(VULNDB_DIR).tmp" && \
	$(GO) run golang.org/x/vulndb/cmd/indexdb@$(VULNDB) -vulns "$$src/data/osv" -out "$(VULNDB_DIR).tmp" && \
	rm -rf "$(VULNDB_DIR)" && mv "$(VULNDB_DIR).tmp" "$(VULNDB_DIR)"

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
