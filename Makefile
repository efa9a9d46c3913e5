# `make demo` and `make test` set everything up on a fresh machine: the virtualenv, then installs.
# Python 3.12, the Lambda runtime (`.python-version` selects it where pyenv is used).
PYTHON ?= $(shell command -v python3.12)
VENV := .venv
# Keep bytecode caches out of ACMExpiryRule/, which `rdk deploy` zips whole.
export PYTHONDONTWRITEBYTECODE := 1
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench template clean pycache

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || test -n "$(PYTHON)" || { echo "make: python3.12 not found; install Python 3.12 or pass PYTHON=/path/to/python3.12" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/acm-expiry demo

lint: $(STAMP)
	$(BIN)/ruff check ACMExpiryRule cli tests bench
	$(BIN)/ruff format --check ACMExpiryRule cli tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/periodic.py

# `rdk deploy` zips ACMExpiryRule/ whole: run this first if Python ran the rule outside make.
pycache:
	find ACMExpiryRule cli -name __pycache__ -prune -exec rm -rf {} +

clean: pycache
	rm -rf $(VENV) build *.egg-info
