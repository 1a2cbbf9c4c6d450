# Everything a fresh machine needs, from the project's own files. Each target is idempotent:
# a step reruns only when its inputs (uv.lock, package-lock.json) change.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := .make

.PHONY: attack lock setup runtime run test quick bench lint typecheck clean help lambda infra prerequisites screenshots

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

# Running needs the runtime packages and the DynamoDB Local jar only; the test, bench and infra
# tooling (and the Debian packages the tests use) come with `setup`, which every other target uses.
setup: $(STAMP)/system $(STAMP)/python $(STAMP)/node ## everything the tests need: dev extras, DynamoDB Local, Chromium, PostgreSQL and Redis programs

prerequisites: ## check Python 3.11+ with venv, Java 17+, Node.js/npm (a one-line fix for each missing)
	@sh scripts/prerequisites $(PYTHON)

# uv installs exactly what uv.lock pins (`--frozen`: it never re-resolves); uv itself lives in a
# small venv of its own, pinned here, so the project's venv holds only what the lock lists.
UV_VERSION := 0.13.8
UV := $(STAMP)/uv/bin/uv
export UV_PYTHON_DOWNLOADS := never

$(UV):
	@sh scripts/prerequisites $(PYTHON)
	@mkdir -p $(STAMP)
	$(PYTHON) -m venv $(STAMP)/uv
	$(STAMP)/uv/bin/python -m pip install --quiet uv==$(UV_VERSION)

# `make run`'s: the runtime dependencies only. --inexact keeps the extras `make test` installed.
$(STAMP)/runtime: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --inexact --python $(PYTHON)
	@touch $@

$(STAMP)/python: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-extras --python $(PYTHON)
	@touch $@

lock: $(UV) ## re-resolve uv.lock after changing pyproject.toml's dependencies
	$(UV) lock

# The DynamoDB Local jar is a dependency; the browser tests' tools (axe-core) are dev
# dependencies, which `make run` leaves out unless `make test` already installed them.
$(STAMP)/node-runtime: package.json package-lock.json
	@sh scripts/prerequisites $(PYTHON)
	@mkdir -p $(STAMP)
	@if [ $(STAMP)/node -nt package-lock.json ] && [ $(STAMP)/node -nt package.json ]; then :; \
	  else echo "npm ci --omit=dev"; npm ci --omit=dev --no-audit --no-fund --loglevel=error; fi
	@touch $@

$(STAMP)/node: package.json package-lock.json
	@sh scripts/prerequisites $(PYTHON)
	@mkdir -p $(STAMP)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Debian's Chromium (driven by Playwright, no browser download) and the emoji font the
# screenshots draw reactions with; PostgreSQL's and Redis's programs for the servers the tests
# start. Installed when missing and allowed (root or password-less sudo), else named.
$(STAMP)/system: scripts/system-packages
	@mkdir -p $(STAMP)
	@sh scripts/system-packages
	@touch $@

runtime: prerequisites $(STAMP)/runtime $(STAMP)/node-runtime ## what running needs, nothing started: the runtime packages and the DynamoDB Local jar

run: runtime ## start the whole system with demo data on 127.0.0.1 (Ctrl-C stops it)
	$(BIN)/cruddur up

bench: setup ## the benchmark: prints a table, writes bench/results/results.{json,png} and the figures in docs/benchmarks.md (30–50 minutes)
	$(BIN)/python -m bench --out bench/results
	$(BIN)/python -m bench.latest

lambda: setup ## dist/lambda.zip: the stream processor for AWS Lambda; prints its size and cold import time
	cd infra && ../$(BIN)/python -m cruddur_infra.lambda_package

infra: lambda ## synthesize the CDK app offline (infra/cdk.out), check it with cdk-nag and cfn-lint
	cd infra && JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1 ../$(BIN)/python -m cruddur_infra.check

lint: setup ## ruff (lint and format check); uv.lock still matches pyproject.toml
	$(UV) lock --check
	$(BIN)/ruff check src tests infra bench
	$(BIN)/ruff format --check src tests infra bench

typecheck: setup ## mypy --strict
	$(BIN)/mypy

# Tests run on two workers (pytest-xdist; this machine has two cores), a test file to a worker:
# the workers share one DynamoDB Local (tests/conftest.py), and every test has its own tables,
# ports and data dirs.
PYTEST_WORKERS ?= 2
PYTEST_PARALLEL := -n $(PYTEST_WORKERS) --dist loadfile

# The tests start their own PostgreSQL and Redis on free ports (CRUDDUR_TEST_DATABASE_URL and
# CRUDDUR_TEST_REDIS_URL point them at existing ones). The run must leave the work tree as it
# found it: screenshots go to .data/test-screenshots (`make screenshots` refreshes the docs').
TREE_STATE := { git status --porcelain -uall && git diff HEAD | cksum; } 2>/dev/null

test: lint typecheck infra ## lint, types, then every test (DynamoDB Local, SQLite, PostgreSQL, Redis)
	@$(TREE_STATE) > $(STAMP)/tree-before || true
	$(BIN)/pytest $(PYTEST_PARALLEL) --durations=15
	@$(TREE_STATE) | cmp -s $(STAMP)/tree-before - \
	  || { echo "make test changed the work tree:"; git status --short; exit 1; }

screenshots: setup ## refresh docs/screenshots from the browser tests that take them
	CRUDDUR_SCREENSHOTS_DIR=docs/screenshots $(BIN)/pytest -n0 \
	  tests/browser/test_chat.py tests/browser/test_live.py tests/browser/test_rich.py

quick: setup ## every test but the slow ones (browsers, servers, synths, floods): a fast loop
	$(BIN)/pytest $(PYTEST_PARALLEL) -m "not slow"

attack: setup ## the abuse suite of issue 14 against a running `cruddur up` (also part of make test)
	$(BIN)/pytest -m attack -s tests/attack

clean: ## remove installed tooling and local data
	rm -rf $(VENV) node_modules $(STAMP) .data dist infra/cdk.out .mypy_cache .ruff_cache .pytest_cache
