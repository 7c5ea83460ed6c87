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

.PHONY: docs test lab bench install clean stop

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

lab: $(STAMP)
	$(BIN)/x121-docs db bootstrap
	$(BIN)/jupyter lab --notebook-dir=notebooks

bench: $(STAMP)
	$(PIP) install -e '.[test,bench]'
	$(BIN)/python bench/run_all.py

stop: $(STAMP)
	$(BIN)/x121-docs db stop

clean: stop
	rm -rf $(VENV) site .x121
