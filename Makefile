# kith: two commands for a new user, `make demo` and `make test`.
GO ?= go

.PHONY: demo test bench check-fmt loadtest

# Starts a throwaway PostgreSQL (or uses KITH_DATABASE_URL), seeds a synthetic
# user and shows streaming and suggestions. CONTACTS=1000000 for a big user.
CONTACTS ?= 100000
demo:
	$(GO) run ./examples/quickstart -contacts $(CONTACTS)

# gofmt check, go vet, and the race-enabled tests against a throwaway
# PostgreSQL per test package (or KITH_DATABASE_URL); -count=1 because the
# results depend on a server, not only on the source. memguard/memguardotel
# and jobs (River) are modules of their own (./... stops at their go.mod):
# they are vetted and tested against this checkout through their replace
# directives. jobs' TestWorkerProcesses starts three worker processes (200
# users; -jobs.users=1000 for the full run, see the README).
# examples/loadtest (a module of its own too) runs the load test at 4 users
# x 500 contacts, in-process and through River (-river), and renders its
# report in headless chromium. The suite runs with lib/pq; then the
# packages that use the database run again with
# pgx/v5/stdlib (kithtest honours KITH_TEST_DRIVER=pgx), and so does jobs
# (its worker processes then use a pgxpool with River's LISTEN/NOTIFY).
# examples/production (OpenTelemetry, Prometheus) is a module of its own too.
PGX_PACKAGES ?= . ./contacts/... ./stream/ ./suggest/ ./calendar/ ./kithtest/ ./examples/... ./internal/gsync/
test: check-fmt
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 20m ./...
	KITH_TEST_DRIVER=pgx $(GO) test -race -count=1 -timeout 20m $(PGX_PACKAGES)
	cd memguard/memguardotel && $(GO) vet ./... && $(GO) test -race -count=1 ./...
	cd jobs && $(GO) vet ./... && $(GO) test -race -count=1 -timeout 20m ./...
	cd jobs && KITH_TEST_DRIVER=pgx $(GO) test -race -count=1 -timeout 20m ./...
	cd examples/loadtest && $(GO) vet ./... && $(GO) test -race -count=1 -timeout 20m ./...
	cd examples/production && $(GO) vet ./... && $(GO) test -race -count=1 ./...

check-fmt:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# Benchmarks at 10,000 and 1,000,000 contacts. The PostgreSQL data lives in
# $(BENCH_PGDATA) and is seeded once; later runs reuse it. Results (medians
# need several runs: COUNT) go to .bench/latest.txt for benchstat.
BENCH_PGDATA ?= $(CURDIR)/.bench/pgdata
COUNT ?= 6
bench:
	@mkdir -p .bench
	KITH_PGDATA=$(BENCH_PGDATA) KITH_BENCH_LARGE=1 $(GO) test -p 1 -run '^$$' -bench . -benchtime 1x -count $(COUNT) -timeout 120m ./stream/ ./suggest/ ./contacts/contactsio/ | tee .bench/latest.txt

# The load test at full size: 200 users x 10,000 contacts through the three
# pipelines under a 256 MiB limit (tens of minutes on 2 cores); see the
# README, "Load test". USERS=4 LOADTEST_CONTACTS=500 for a quick run.
USERS ?= 200
LOADTEST_CONTACTS ?= 10000
loadtest:
	cd examples/loadtest && $(GO) run . -users $(USERS) -contacts $(LOADTEST_CONTACTS) -html loadtest-report.html
