# Kin's developer commands. `make test` is the one test command: the README
# and .ci/run both use it.

GO ?= go
# The race detector needs cgo and a C compiler; use it wherever they exist.
RACE ?= $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && command -v gcc >/dev/null && echo -race)

.PHONY: gen check test bench bench-scale lint dev

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

# The benchmarks that need a community of a real size, not part of make
# test: seeds 100,000 people, 5,000,000 friendships, 1,000,000 posts,
# 5,000,000 likes and 2,000,000 comments once into the database
# $(SCALE_DB) on the server KIN_TEST_DSN names (reused while it holds
# people; a few minutes the first time), then runs every benchmark named
# ...Scale against it, each beside its baseline. Person 1 of the seeded
# community has 500 friends (KIN_BENCH_USER).
SCALE_DB ?= kin_scale
bench-scale:
	@[ -n "$$KIN_TEST_DSN" ] || { echo "bench-scale: set KIN_TEST_DSN to a server, e.g. KIN_TEST_DSN='root@tcp(127.0.0.1:3306)/'"; exit 1; }
	$(GO) run ./svc/seed -db $(SCALE_DB)
	KIN_BENCH_DSN="$${KIN_TEST_DSN%/}/$(SCALE_DB)" KIN_BENCH_USER=1 $(GO) test -run '^$$' -bench 'Scale$$' -benchmem ./svc/...

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
