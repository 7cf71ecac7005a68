# qml-entanglement: `make run` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.stamp
BENCH_STAMP := $(VENV)/.bench-stamp
RAY_STAMP := $(VENV)/.ray-stamp
EXPERIMENT ?=
ARGS ?=
PORT ?= 5000
# the links runs, sweeps and reports print use the UI's port
export QML_UI_PORT := $(PORT)
STORE_URI ?= sqlite:///mlruns/mlflow.db
SWEEP ?= study
COMPARE_ARGS ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
ifndef SWEEP_DIR
SWEEP_DIR := multirun/$(SWEEP)-$(shell date +%Y%m%d-%H%M%S)
endif
HOST ?= 127.0.0.1
TRACKING_DB ?= sqlite:///mlruns/server.db
export TRACKING_DB
SERVER_ARTIFACTS ?= mlruns/server-artifacts
SERVER_WORKERS ?= 2
# STUDY_POWER=1: the powered, pre-declared design (conf/sweep/write_up_powered.yaml,
# conf/study_design/powered.yaml): 4 faithful variants x 160 new seeds, analysed once and by halves
ifeq ($(STUDY_POWER),1)
STUDY_SEEDS ?= range(1000,1160)
STUDY_DIR ?= multirun/write_up_powered
STUDY_SWEEP := write_up_powered
STUDY_DESIGN := powered
else
STUDY_SEEDS ?= range(137,147)
STUDY_DIR ?= multirun/write_up
STUDY_SWEEP := write_up
STUDY_DESIGN := pilot
endif
STUDY_ARGS ?=
# make atlas: the pre-declared design-space grid (conf/sweep/atlas/full*.yaml) or its quick subset
ATLAS ?= full
ATLAS_DIR ?= multirun/atlas-$(ATLAS)
ATLAS_ARGS ?=

.PHONY: help setup store run test test-fast lint ui bench compare clean browser sweep server \
	postgres ray study atlas atlas-name

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m qml_entanglement.engine
	@touch $@

setup: $(STAMP) ## create/refresh .venv from pyproject.toml

store: setup ## create the local tracking store (mlruns/mlflow.db) once
	@$(PY) -m qml_entanglement.tracking --experiment qml-entanglement

run: store ## train the default experiment (vqc_adhoc; EXPERIMENT=bell_toy, ARGS="key=value ...")
	$(PY) pipelines/train.py $(if $(EXPERIMENT),experiment=$(EXPERIMENT)) $(ARGS)

browser: ## install headless Chromium for the report test (Debian package), if missing
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

postgres: ## install PostgreSQL (Debian package) for the tracking-server test, if missing
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	{ apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; }

$(RAY_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,ray]'
	@touch $@

ray: $(RAY_STAMP) ## install the Ray launcher (hydra/launcher=ray) into .venv

test: setup $(BENCH_STAMP) browser postgres ray ## run every test (unit, slow, integration; installs the bench peers)
	$(PY) -m pytest -q $(ARGS)

test-fast: setup ## unit tests only
	$(PY) -m pytest -q -m "not slow and not integration" $(ARGS)

lint: setup ## ruff
	$(VENV)/bin/ruff check src pipelines tests benchmarks

# Lean on a laptop: one web worker, and MLflow's GenAI job runner (7 more processes) off;
# Ctrl-C stops it with one line (src/qml_entanglement/tracking/ui_server.py).
ui: setup ## MLflow UI on http://127.0.0.1:$(PORT) against the local store
	@echo "MLflow UI on http://127.0.0.1:$(PORT)"
	@$(PY) -m qml_entanglement.tracking --uri '$(STORE_URI)' --experiment qml-entanglement --links \
		--serve $(PORT)

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	@touch $@

bench: $(BENCH_STAMP) ## benchmarks: prints tables, writes benchmarks/results.json
	$(PY) benchmarks/run.py $(ARGS)

compare: store ## correlation report over finished runs (FILTER="tags.dataset = 'moons'", ARGS="name=...")
	$(PY) pipelines/compare.py $(if $(FILTER),"filter=$(FILTER)") $(ARGS)

sweep: setup ## run a sweep in parallel, then compare it (SWEEP=study|depth|ansatz|optimizer, JOBS)
	@status=0; \
	$(PY) pipelines/train.py -m sweep=$(SWEEP) hydra/launcher=joblib hydra.launcher.n_jobs=$(JOBS) \
		hydra.sweep.dir=$(SWEEP_DIR) $(ARGS) || status=$$?; \
	if [ -f $(SWEEP_DIR)/sweep.json ]; then \
		$(PY) -m qml_entanglement.sweeps.comparison $(SWEEP_DIR) $(COMPARE_ARGS) || status=$$((status ? status : $$?)); \
	fi; \
	exit $$status

# The toy is deterministic: one run. Both sweeps skip configs that already FINISHED.
study: store ## the write-up reproduced and tested: its runs, then reports/study/ (STUDY_POWER=1: 640 runs, reports/study_powered/)
	$(PY) pipelines/train.py -m experiment=study_bell_toy metrics.as_published=true seed=137 \
		tracking.experiment=write-up-study sweep.name=write_up_toy hydra/launcher=basic \
		hydra.sweep.dir=$(STUDY_DIR)-toy $(ARGS)
	$(PY) pipelines/train.py -m sweep=$(STUDY_SWEEP) hydra.launcher.n_jobs=$(JOBS) \
		hydra.sweep.dir=$(STUDY_DIR) 'seed=$(STUDY_SEEDS)' $(ARGS)
	$(PY) pipelines/study.py study_design=$(STUDY_DESIGN) $(STUDY_ARGS)

# Both sweeps skip configs that already FINISHED, so a stopped atlas resumes where it stopped.
atlas-name:
	@case '$(ATLAS)' in quick|full) ;; *) echo "error: ATLAS='$(ATLAS)' is not an atlas; allowed: quick, full" >&2; exit 2;; esac

atlas: atlas-name store ## the design-space atlas: its runs, then reports/atlas/ (ATLAS=quick: 4-6 qubits, 3 seeds)
	$(PY) pipelines/train.py -m sweep=atlas/$(ATLAS) hydra.launcher.n_jobs=$(JOBS) \
		hydra.sweep.dir=$(ATLAS_DIR) $(ARGS)
	$(PY) pipelines/train.py -m sweep=atlas/$(ATLAS)_controls hydra.launcher.n_jobs=$(JOBS) \
		hydra.sweep.dir=$(ATLAS_DIR)-controls $(ARGS)
	$(PY) pipelines/atlas.py $(ATLAS_ARGS)

# MLflow's GenAI job runner (7 more processes) is off unless MLFLOW_SERVER_ENABLE_JOB_EXECUTION=true.
# The database URI goes to the server through the environment (MLFLOW_BACKEND_STORE_URI), never
# on a command line that `ps` shows, and is not echoed: pass a password-protected one as
# `TRACKING_DB=postgresql://... make server` (or keep the password in PGPASSWORD / ~/.pgpass).
server: setup ## MLflow tracking server on $(HOST):$(PORT) (env TRACKING_DB=sqlite:///... or postgresql://...)
	@echo "MLflow server on http://$(HOST):$(PORT), store $$(printf '%s' "$$TRACKING_DB" \
		| sed -E 's#(://[^:/@]+:)[^@]+@#\1***@#')"
	@MLFLOW_SERVER_ENABLE_JOB_EXECUTION=$${MLFLOW_SERVER_ENABLE_JOB_EXECUTION:-false} \
	MLFLOW_BACKEND_STORE_URI="$$TRACKING_DB" \
	$(PY) -m mlflow server --serve-artifacts \
		--artifacts-destination $(SERVER_ARTIFACTS) --host $(HOST) --port $(PORT) \
		--workers $(SERVER_WORKERS)

clean: ## remove run data (mlruns contents, reports, multirun)
	rm -rf mlruns/mlflow.db mlruns/mlflow.db.lock mlruns/artifacts reports multirun \
		mlruns/server.db mlruns/server-artifacts
