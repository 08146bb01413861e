# Set-up and the main jobs. `make build` and `make test` need nothing but python3 (3.11) on the
# PATH: the first run creates .venv from uv.lock with a pinned uv kept in .tools/.

SHELL := /bin/bash
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PYTHON := $(VENV)/bin/python
DBT := DBT_PROFILES_DIR=. $(VENV)/bin/dbt
# the profile's spark target: PySpark in this process, tables and catalog in data/spark
DBT_SPARK := SPARK_LOCAL_IP=127.0.0.1 LEAD_SCORING_TARGET=spark $(DBT)
RAW_DIR := data/raw
# demo size: override with `make data DEMO_CONTACTS=100000 DEMO_EVENTS=10000000`
DEMO_CONTACTS := 5000
DEMO_EVENTS := 250000
# dbt vars for `make build`, as YAML: make build DBT_VARS='{as_of_date: "2026-10-31"}'
DBT_VARS :=
# the git ref `make impact` compares the working tree's rule seeds with: make impact BASE=origin/main
BASE := HEAD
# event counts `make bench` measures
BENCH_SIZES := 1M,10M,100M

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: build build-spark publish report impact calibrate test test-spark bench lint validate docs data clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet --compile-bytecode
	touch $@

# the environment with the optional `spark` extra (dbt-spark, pyspark)
$(VENV)/.synced-spark: $(VENV)/.synced
	$(UV) sync --frozen --quiet --compile-bytecode --extra spark
	touch $@

$(RAW_DIR)/events:
	$(MAKE) --no-print-directory data

data: $(VENV)/.synced  ## (re)generate the demo raw data in data/raw
	$(PYTHON) scripts/generate_data.py --output-dir $(RAW_DIR) --contacts $(DEMO_CONTACTS) --events $(DEMO_EVENTS) --force

build: $(VENV)/.synced $(RAW_DIR)/events  ## install, generate demo data if absent, dbt build, publish for BI tools, show the scores
	$(PYTHON) scripts/build.py --raw-dir $(RAW_DIR) --vars '$(or $(DBT_VARS),{})'
	$(PYTHON) scripts/show_scores.py

build-spark: $(VENV)/.synced-spark $(RAW_DIR)/events  ## the same build on Spark in this process (local mode, Java 17): data/spark/
	$(DBT_SPARK) run-operation register_raw_tables --args '{location: "$(abspath $(RAW_DIR))/{name}"}'
	$(DBT_SPARK) build --vars '$(or $(DBT_VARS),{})'

publish: $(VENV)/.synced  ## publish the last dbt build again (only if it passed) to data/serving
	$(PYTHON) scripts/publish.py

report: $(VENV)/.synced  ## write the HTML report of the published scores to target/report/
	$(PYTHON) scripts/report.py

impact: $(VENV)/.synced $(RAW_DIR)/events  ## what the working tree's rule seeds change against BASE (default HEAD): target/impact/
	$(PYTHON) scripts/rule_impact.py --base $(BASE) --raw-dir $(RAW_DIR) --vars '$(or $(DBT_VARS),{})'

calibrate: $(VENV)/.synced $(RAW_DIR)/events  ## points fitted on the backtest of `make build`, proposed in target/calibration/ (never in seeds/)
	$(PYTHON) scripts/calibrate.py --raw-dir $(RAW_DIR)

test: $(VENV)/.synced-spark  ## everything CI checks: lint, dbt build with its tests, Great Expectations, pytest, Spark
	$(PYTHON) scripts/run_checks.py

test-spark: $(VENV)/.synced-spark  ## build the fixture data on Spark and compare every relation with the DuckDB build
	$(PYTHON) -m pytest -m spark

bench: $(VENV)/.synced  ## speed and memory at 1M, 10M and 100M events against the floor and pandas (BENCH_SIZES=1M,10M): target/benchmark/
	$(PYTHON) scripts/benchmark.py --sizes $(BENCH_SIZES)

lint: $(VENV)/.synced  ## lint the Python (ruff) and the SQL (sqlfluff)
	$(VENV)/bin/ruff check scripts tests
	$(VENV)/bin/ruff format --check scripts tests
	LEAD_SCORING_DUCKDB_PATH=:memory: $(VENV)/bin/sqlfluff lint

validate: $(VENV)/.synced  ## Great Expectations checkpoint over the marts of `make build`
	$(PYTHON) scripts/validate_marts.py

docs: $(VENV)/.synced  ## generate the dbt docs site under target/
	$(DBT) docs generate

clean:  ## remove build output (keeps data/ and the environment)
	rm -rf target logs
