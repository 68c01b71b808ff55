# Kin's developer commands. `make test` is the one test command: the README
# and .ci/run both use it.

GO ?= go
# The race detector needs cgo and a C compiler; use it wherever they exist.
RACE ?= $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && command -v gcc >/dev/null && echo -race)

.PHONY: gen check test bench lint dev

# Render out/ from site.yaml.
gen:
	$(GO) run ./gen

# Fail when out/ is not what site.yaml renders.
check:
	$(GO) run ./gen -check

# Every test. Database tests use KIN_TEST_DSN or a throwaway mariadbd from
# PATH and skip without either (KIN_REQUIRE_DB=1 makes that a failure);
# browser tests need chromium on PATH (KIN_REQUIRE_BROWSER=1 likewise), the
# kustomize build of the golden renderings kubectl (KIN_REQUIRE_KUBECTL=1).
test:
	$(GO) test $(RACE) -count=1 ./...

# Benchmarks, each next to its baseline measured in the same run.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Formatting and vet findings fail the build.
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# The whole site on http://localhost:8080 with a throwaway database
# (or the one KIN_DB_ADDR, KIN_DB_NAME, KIN_DB_USER, KIN_DB_PASSWORD name).
# Built, not `go run`, so Ctrl-C reaches the program itself, which stops
# the services and removes the throwaway database before it exits.
dev:
	@$(GO) build -o bin/dev ./svc/dev
	@./bin/dev
