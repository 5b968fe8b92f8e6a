# Two commands matter: `make run` (laptop demo) and `make test` (the whole suite).
# uv uses the machine's Python 3.11 and never downloads one.
export UV_PYTHON := python3.11
export UV_PYTHON_DOWNLOADS := never
UV_VERSION := 0.13.8
UV := python3 -m uv

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/community
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: install browser run test conformance check lint types imports schema migrations format bench

install:
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv==$(UV_VERSION)"
	$(UV) sync --frozen

## Laptop default: SQLite, no Redis, tasks in-process, mail to var/mail.
run: install
	$(UV) run python manage.py migrate --noinput
	$(UV) run python manage.py seed_demo
	$(UV) run python manage.py runserver 127.0.0.1:8000

## The admin's browser tests drive Debian's Chromium (never a downloaded browser build).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }

## The whole test suite, on PostgreSQL and Redis, schema conformance included. Chromium is
## installed first unless the browser tests are left out: `make test PYTEST_ARGS="-m 'not
## browser'"` runs without it. `--dist loadgroup` keeps the conformance module (one service, one
## database) on one xdist worker while the others run the rest.
test: install $(if $(findstring not browser,$(PYTEST_ARGS)),,browser)
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(UV) run pytest -n auto --dist loadgroup $(PYTEST_ARGS)

## schemathesis (every check) against gunicorn with the demo community, as a visitor, a member
## and a moderator, and the authentication API for server errors; the summaries print last.
## The same tests `make test` runs, alone: `CONFORMANCE_MAX_EXAMPLES=100 make conformance` digs
## deeper than CI's default.
conformance: install
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(UV) run pytest tests/config/test_schema_conformance.py $(PYTEST_ARGS)

## Lint, format, types, the layer contracts and the OpenAPI schema, as CI runs them.
check: lint types imports schema migrations

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .

types: install
	$(UV) run mypy accounts community config

## The layer contracts in pyproject.toml (docs/architecture.md explains them).
imports: install
	$(UV) run lint-imports --no-cache

schema: install
	$(UV) run python manage.py spectacular --validate --fail-on-warn --file /dev/null

migrations: install
	$(UV) run python manage.py makemigrations --check --dry-run

format: install
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

## The forum benchmark on PostgreSQL: generates the data set in its own database (dropped and
## recreated each run), then measures the API over HTTP against gunicorn on 127.0.0.1.
## Then the email benchmark, in a database of its own: fan-out to 5,000 watchers, and one
## worker sending 10,000 emails to an SMTP server on 127.0.0.1. Last, the moderation queue
## with 10,000 posts waiting, through the API and the admin, in a database of its own. Then the
## resource library with 50,000 resources, and one link-checker run against a local server.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bench
BENCH_EMAIL_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bench_email
BENCH_MODERATION_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bench_moderation
BENCH_RESOURCES_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bench_resources
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/13

bench: install
	$(UV) run python -m bench.generate --database-url $(BENCH_DATABASE_URL) $(BENCH_GENERATE_ARGS)
	$(UV) run python -m bench.run --database-url $(BENCH_DATABASE_URL) \
		--redis-url $(BENCH_REDIS_URL) $(BENCH_RUN_ARGS)
	$(UV) run python -m bench.mail --database-url $(BENCH_EMAIL_DATABASE_URL) \
		--redis-url $(BENCH_REDIS_URL) $(BENCH_EMAIL_ARGS)
	$(UV) run python -m bench.moderation --database-url $(BENCH_MODERATION_DATABASE_URL) \
		--redis-url $(BENCH_REDIS_URL) $(BENCH_MODERATION_ARGS)
	$(UV) run python -m bench.resources --database-url $(BENCH_RESOURCES_DATABASE_URL) \
		--redis-url $(BENCH_REDIS_URL) $(BENCH_RESOURCES_ARGS)
