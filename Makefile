# The two set-up commands of the README: `make run` and `make test`.
SHELL := /bin/bash
PYTHON_BIN ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test bench setup lint format typecheck messages clean-data

run: setup
	$(PY) scripts/dev.py run

test: setup
	$(PY) scripts/dev.py test $(ARGS)

bench: setup
	$(PY) scripts/dev.py bench $(ARGS)

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON_BIN) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: setup
	$(VENV)/bin/mypy

messages: setup
	for app in core tenants accounts policies referrals settlement reports; do (cd $$app && ../$(PY) ../manage.py makemessages -l fa --no-obsolete && ../$(PY) ../manage.py compilemessages -l fa); done
	$(PY) manage.py makemessages -l fa --no-obsolete $(foreach d,.venv node_modules core tenants accounts policies referrals settlement reports tests benchmarks scripts config,-i "$(d)/*")
	$(PY) manage.py compilemessages -l fa -i .venv -i node_modules

clean-data:
	rm -rf .data media
