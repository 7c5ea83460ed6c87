# Two commands for a fresh machine with only Python 3.11+:
#   make docs   the main job (start the embedded database, bootstrap, migrate, lint, build the site)
#   make test   every test
# Both create .venv and install everything into it: no root, no system packages.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP    := $(BIN)/python -m pip --disable-pip-version-check --quiet
PYTEST_ARGS ?=
# The notebooks run as tests too: nbval executes each one and compares its stored outputs.
# Serial (one kernel at a time, the cells of a notebook depend on each other), after the suite.
NBVAL := $(BIN)/python -m pytest --nbval notebooks --nbval-sanitize-with notebooks/nbval_sanitize.cfg -p no:xdist
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9]*.ipynb))

.PHONY: docs test test-notebooks notebooks lab bench install clean stop

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: run make PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install --upgrade pip
	$(PIP) install -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

docs: $(STAMP)
	$(BIN)/x121-docs build

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)
	$(NBVAL)

test-notebooks: $(STAMP)
	$(NBVAL)

# Re-run every notebook and store its outputs (after changing a notebook or what it shows);
# no per-cell timing metadata, so a re-run only changes what really changed.
notebooks: $(STAMP)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.record_timing=False $(NOTEBOOKS)

# JupyterLab on notebooks/, its `python3` kernel being this .venv's Python (with x121_docs
# installed); the embedded server is started and the database bootstrapped first.
lab: $(STAMP)
	$(BIN)/x121-docs db bootstrap
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

bench: $(STAMP)
	$(PIP) install -e '.[test,bench]'
	$(BIN)/python bench/run_all.py

stop: $(STAMP)
	$(BIN)/x121-docs db stop

clean: stop
	rm -rf $(VENV) site .x121
