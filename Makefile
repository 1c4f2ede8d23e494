# footfall: `make demo` and `make test` are all a newcomer types; both run `make setup` first.
SHELL := /bin/bash
PYTHON_BOOT ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FOOTFALL := $(VENV)/bin/footfall
CONF ?= conf/local.yaml
DEMO_FROM ?= 2026-03-16
DEMO_TO ?= 2026-03-29
DEMO_AREA ?= A0111
DEMO_COMPARE ?= A0111,A0108,A0302
DEMO_INTERVENTION ?= 2026-03-23
export SPARK_LOCAL_IP ?= 127.0.0.1
export FOOTFALL_JARS_DIR ?= $(CURDIR)/.cache/jars
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help setup class-archive demo test test-fast test-all lint format bench package cluster-demo clean

help:
	@echo "make demo          set up, generate synthetic data, run the pipeline, print the outputs"
	@echo "make test          set up, run the test suite (local Spark, synthetic inline data)"
	@echo "make test-fast     the suite without the integration tests (the inner loop)"
	@echo "make setup         create .venv, install footfall, cache the Delta Lake jars, build the"
	@echo "                   Spark extension"
	@echo "make class-archive train the drivers' class archive (faster starts; make bench does it)"
	@echo "make lint          ruff check + format check"
	@echo "make bench         benchmark each stage at 1M and 10M events (BENCH_SCALES to change)"
	@echo "make package       build dist/ for spark-submit (wheel, jobs, conf, jars)"
	@echo "make cluster-demo  run the demo on a loopback standalone cluster (1 master, 2 workers)"

$(VENV)/.installed: pyproject.toml
	@command -v java >/dev/null || { echo "Java 17+ is needed (apt-get install openjdk-17-jre-headless)"; exit 1; }
	test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

$(FOOTFALL_JARS_DIR)/.resolved: $(VENV)/.installed
	$(PY) -m footfall.runtime.jars --dir $(FOOTFALL_JARS_DIR)
	touch $@

# footfall's Spark session extension (jvm/; README "footfall's Spark extension"): built by javac
# against the installed PySpark's jars; without a JDK footfall runs without it (a warning here)
EXT_SRC := $(wildcard jvm/footfall/spark/*.java)
EXT_JAR := $(FOOTFALL_JARS_DIR)/footfall-spark-ext.jar
$(EXT_JAR): $(EXT_SRC) $(VENV)/.installed
	$(PY) -m footfall.runtime.jars --dir $(FOOTFALL_JARS_DIR) --extension jvm

setup: $(VENV)/.installed $(FOOTFALL_JARS_DIR)/.resolved $(EXT_JAR)

# the drivers' class archive (JDK CDS; README "Faster local drivers"): a short Spark run (about a
# minute) after which every driver started from Python maps Spark's and Delta's classes instead
# of loading them, a few seconds sooner each; trained again when the drivers' Java, PySpark or a
# jar changes (the archive is named by them). It pays where many drivers start (the bench: one
# per stage and scale), not in the demo's or the tests' one driver
class-archive: setup
	$(PY) -m footfall.runtime.class_archive --dir $(FOOTFALL_JARS_DIR) --if-missing

# footfall generate, run, evaluate, compare and impact (the commands it prints), in one driver JVM
demo: setup
	$(PY) -m footfall.demo --conf $(CONF) --from $(DEMO_FROM) --to $(DEMO_TO) \
		--compare $(DEMO_COMPARE) --area $(DEMO_AREA) --intervention $(DEMO_INTERVENTION)
	@$(PY) -m footfall.outputs --conf $(CONF)

test: setup
	$(PY) -m pytest -q --durations=15 -m "not cluster" tests

test-fast: setup
	$(PY) -m pytest -q -m "not cluster and not integration" tests

lint: setup
	$(VENV)/bin/ruff check lib jobs tests
	$(VENV)/bin/ruff format --check lib jobs tests

format: setup
	$(VENV)/bin/ruff format lib jobs tests
	$(VENV)/bin/ruff check --fix lib jobs tests

package: setup
	bash scripts/package.sh

# BENCH_SCALES=1,10[,100] (millions of events), BENCH_REPEATS=N or one per scale (3,1); not in `make test`
bench: class-archive
	$(PY) bench/run.py

# WORKERS=1|2 (default 2); the same range locally, then the released tables must be equal
cluster-demo: setup
	WORKERS="$(WORKERS)" DEMO_FROM="$(DEMO_FROM)" DEMO_TO="$(DEMO_TO)" bash scripts/cluster_demo.sh

clean:
	rm -rf data dist build bench/work .pytest_cache
