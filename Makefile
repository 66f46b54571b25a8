# socinnov — `make` lists the targets. Everything runs in .venv, created on first use from
# requirements.lock (pinned versions, hashes) with Python >= 3.11 and pip only.

.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
COHORT ?= demo
STAMP := $(VENV)/.installed

.PHONY: help install report pdf data test test-fast lint bench lab demo lock clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-8s %s\n", $$1, $$2}'

UV_VERSION := 0.13.9

# uv installs the same pinned and hashed lock as pip would, in about 30 s instead of 75 s (it
# downloads, unpacks and compiles the .pyc in parallel; without --compile-bytecode the first
# make report would compile them instead, a minute more); pip does it where uv cannot be
# installed or fails.
$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@if $(BIN)/python -m pip install --quiet uv==$(UV_VERSION) 2>/dev/null \
	    && $(BIN)/uv pip install --quiet --python $(BIN)/python --require-hashes --compile-bytecode -r requirements.lock \
	    && $(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e . ; then \
	  echo "Dépendances installées (uv $(UV_VERSION), requirements.lock)." ; \
	else \
	  echo "uv indisponible : installation par pip (plus lente)." ; \
	  $(BIN)/python -m pip install --quiet --upgrade pip \
	  && $(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock \
	  && $(BIN)/python -m pip install --quiet --no-deps -e . ; \
	fi
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install the pinned dependencies and the package

report: $(STAMP) ## build every report of COHORT (a name under data/raw or a folder's path; default: demo; PDF=1 also prints each as PDF)
	$(BIN)/socinnov report $(COHORT) --audience all $(if $(PDF),--pdf)

pdf: $(STAMP) ## build every report of COHORT and print each as PDF (needs Chromium)
	$(BIN)/socinnov report $(COHORT) --audience all --pdf

data: $(STAMP) ## validate data/raw/COHORT and write data/processed/COHORT
	$(BIN)/socinnov ingest $(COHORT)

test: $(STAMP) ## run every test, and print the 15 slowest (where the time goes)
	$(BIN)/python -m pytest --durations=15

test-fast: $(STAMP) ## the inner loop: every test but the slow ones (notebooks, report builds, PDF, fuzz and kill batteries)
	$(BIN)/python -m pytest -m "not slow" --durations=10

lint: $(STAMP) ## check the code style (ruff) and the layers of the package (import-linter)
	$(BIN)/ruff check socinnov tests benchmarks
	$(BIN)/lint-imports

bench: $(STAMP) ## time the kit on 100 to 10 000 dossiers against its targets (BENCH_ARGS="--sizes 100,1000")
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

PORT ?= 8888
lab: $(STAMP) ## open JupyterLab in notebooks/ (PORT=8888; NO_BROWSER=1 on a server)
	$(BIN)/jupyter lab --notebook-dir=notebooks --port=$(PORT) $(if $(NO_BROWSER),--no-browser) \
	  $(if $(filter 0,$(shell id -u)),--allow-root)

demo: $(STAMP) ## regenerate the committed demo cohorts (data/raw/demo, data/raw/demo-2018)
	$(BIN)/python -c "from pathlib import Path; from socinnov import demo; [demo.write_demo(Path('data/raw') / n, overwrite=True, **kw) for n, kw in demo.EDITIONS.items()]"

lock: ## re-resolve requirements.lock from pyproject.toml (needs network)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes -o requirements.lock

clean: ## remove processed data and reports (rebuilt by make data / make report)
	find data/processed -mindepth 1 -not -name .gitkeep -exec rm -rf {} +
	find reports -mindepth 1 -not -name .gitkeep -exec rm -rf {} +
