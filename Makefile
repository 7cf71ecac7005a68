# qml-entanglement: `make run` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.stamp
BENCH_STAMP := $(VENV)/.bench-stamp
EXPERIMENT ?= vqc_adhoc
ARGS ?=
PORT ?= 5000
STORE_URI := sqlite:///mlruns/mlflow.db

.PHONY: help setup store run test test-fast lint ui bench compare clean browser

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

setup: $(STAMP) ## create/refresh .venv from pyproject.toml

store: setup ## create the local tracking store (mlruns/mlflow.db) once
	@$(PY) -m qml_entanglement.tracking --experiment qml-entanglement

run: store ## train the default experiment (EXPERIMENT=vqc_adhoc, ARGS="key=value ...")
	$(PY) pipelines/train.py experiment=$(EXPERIMENT) $(ARGS)

browser: ## install headless Chromium for the report test (Debian package), if missing
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

test: setup browser ## run every test (unit, slow, integration)
	$(PY) -m pytest -q $(ARGS)

test-fast: setup ## unit tests only
	$(PY) -m pytest -q -m "not slow and not integration" $(ARGS)

lint: setup ## ruff
	$(VENV)/bin/ruff check src pipelines tests benchmarks

ui: store ## MLflow UI on http://127.0.0.1:$(PORT) against the local store
	$(PY) -m mlflow ui --backend-store-uri $(STORE_URI) --host 127.0.0.1 --port $(PORT)

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	@touch $@

bench: $(BENCH_STAMP) ## benchmarks: prints tables, writes benchmarks/results.json
	$(PY) benchmarks/run.py $(ARGS)

compare: store ## correlation report over finished runs (ARGS="name=... filter=...")
	$(PY) pipelines/compare.py $(ARGS)

clean: ## remove run data (mlruns contents, reports, multirun)
	rm -rf mlruns/mlflow.db mlruns/mlflow.db.lock mlruns/artifacts reports multirun
