# Everything a developer or CI needs: `make run` and `make test` build the environment first.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
UV_VERSION := 0.13.9

export UV_COMPILE_BYTECODE := 1
export UV_PROJECT_ENVIRONMENT := $(VENV)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DAGSTER_DISABLE_TELEMETRY := true
# sqlfluff's dbt templater compiles the project; it needs a database file of its own.
LINT_DATABASE := $(CURDIR)/data/warehouse/lint.duckdb

.PHONY: run test test-fast test-spark lint lint-sql typecheck sample golden bench clean

INSTALL_UV := $(PYTHON) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(BIN)/.synced: pyproject.toml uv.lock
	$(INSTALL_UV)
	$(PYTHON) -m uv sync --frozen
	touch $@

## run: the whole pipeline on the bundled sample (writes under data/)
run: $(BIN)/.synced
	$(BIN)/sinstats run

# The browser tests drive Debian's Chromium (Playwright's own browser download cannot work here).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "Chromium is needed for the browser tests: sudo apt-get install -y chromium"; exit 1; \
	fi

# The suite in two processes (pytest-xdist), one per core here; a test goes to whichever is free.
# `make test WORKERS=0` runs it in this process alone (as a debugger wants).
WORKERS ?= 2
PYTEST := $(BIN)/pytest -n $(WORKERS) --dist worksteal

## test: lint, then every test (unit, integration, end to end, browser)
test: $(BIN)/.synced $(CHROMIUM) lint
	$(PYTEST)

## test-spark: the same dbt project built and tested on Spark, every table equal to DuckDB's (README, "On Spark")
# Spark has an environment of its own: pyspark is large, and where it is installed pandera imports it.
SPARK_VENV := .venv-spark
JAVA := /usr/bin/java
$(SPARK_VENV)/bin/.synced: pyproject.toml uv.lock
	$(INSTALL_UV)
	UV_PROJECT_ENVIRONMENT=$(SPARK_VENV) $(PYTHON) -m uv sync --frozen --group spark
	touch $@

# Spark runs on Java: Debian's OpenJDK 17.
$(JAVA):
	@echo "Java is missing: installing Debian's openjdk-17-jre-headless for Spark"
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	else \
		echo "Spark needs Java: sudo apt-get install -y openjdk-17-jre-headless"; exit 1; \
	fi

test-spark: $(SPARK_VENV)/bin/.synced $(JAVA)
	$(SPARK_VENV)/bin/pytest tests/spark

## test-fast: unit, integration and dbt unit tests only (no whole-graph runs, no browser): under a minute
test-fast: $(BIN)/.synced
	$(PYTEST) -m "not e2e and not browser"

## lint: ruff, then sqlfluff and mypy side by side
# (sqlfluff's dbt templater and mypy from a cold cache take about 30 s each here, on one core each)
lint: $(BIN)/.synced
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MAKE) --no-print-directory --jobs=2 --output-sync=target lint-sql typecheck

lint-sql: $(BIN)/.synced
	mkdir -p $(dir $(LINT_DATABASE))
	SINSTATS_DBT_DATABASE=$(LINT_DATABASE) $(BIN)/sqlfluff lint dbt/models --nocolor

## typecheck: mypy, strict, on pipelines/, schemas/ and dashboards/ (pyproject.toml [tool.mypy])
typecheck: $(BIN)/.synced
	$(BIN)/mypy

## sample: regenerate the committed synthetic sample (on purpose only)
sample: $(BIN)/.synced
	rm -rf data/sample
	$(BIN)/sinstats generate --out data/sample --bad-rows 0.005

## golden: regenerate the golden files the end-to-end tests compare with (on purpose only)
golden: $(BIN)/.synced
	SINSTATS_UPDATE_GOLDEN=1 $(BIN)/pytest tests/e2e -k "golden or snapshot"

## bench: time `sinstats run` from 5,000 to 10,000,000 rows beside the floor (see benchmarks/RESULTS.md)
BENCH_SIZES ?= 5k,100k,1m,10m
# Each run made this many times, the median reported (RESULTS.md's figures use 3 at 100k and 1m).
BENCH_REPEAT ?= 1
bench: $(BIN)/.synced
	$(BIN)/python -m benchmarks.bench --sample --sizes $(BENCH_SIZES) --daily 100k,1m --repeat $(BENCH_REPEAT)

clean:
	rm -rf data/warehouse data/publish data/spark dbt/target dbt/logs
