# `make demo` and `make test` set everything up on a fresh machine: the virtualenv, then installs.
# Python 3.12, the Lambda runtime (`.python-version` selects it where pyenv is used).
PYTHON ?= $(shell command -v python3.12)
VENV := .venv
# Keep bytecode caches out of ACMExpiryRule/, which `rdk deploy` zips whole.
export PYTHONDONTWRITEBYTECODE := 1
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench template clean pycache layer package release

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || test -n "$(PYTHON)" || { echo "make: python3.12 not found; install Python 3.12 or pass PYTHON=/path/to/python3.12" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/acm-expiry demo

# checkov pins boto3 to a version of its own (1.35.49), older than the one the rule runs on: it gets a
# virtualenv of its own, which tests/test_deploy.py runs.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

$(CHECKOV_STAMP): deploy/checkov-requirements.txt $(STAMP)
	@test -x $(CHECKOV_VENV)/bin/python || $(BIN)/python -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r deploy/checkov-requirements.txt
	@touch $@

lint: $(STAMP)
	$(BIN)/ruff check ACMExpiryRule cli tests bench deploy
	$(BIN)/ruff format --check ACMExpiryRule cli tests bench deploy
	$(BIN)/mypy

test: lint $(CHECKOV_STAMP)
	$(BIN)/python -m pytest

# The Lambda layer (python/ with the pinned boto3, botocore and rdklib) and the function's code, as
# zips under dist/. Reproducible; needs PyPI the first time (the wheels are then kept in dist/wheels).
layer: $(STAMP)
	$(BIN)/python deploy/artifacts.py layer

package: $(STAMP)
	$(BIN)/python deploy/artifacts.py function

# A new version for the whole organization, one command (deploy/README.md, "An organization"):
#   make release REGIONS="us-east-1 eu-west-1" OUS=r-abcd   (OUS on the first release; ARGS=--dry-run to see)
release: $(STAMP)
	$(BIN)/python deploy/artifacts.py release --regions $(REGIONS) $(if $(OUS),--target-ous $(OUS)) $(ARGS)

bench: $(STAMP)
	$(BIN)/python bench/periodic.py

# `rdk deploy` zips ACMExpiryRule/ whole: run this first if Python ran the rule outside make.
pycache:
	find ACMExpiryRule cli -name __pycache__ -prune -exec rm -rf {} +

clean: pycache
	rm -rf $(VENV) $(CHECKOV_VENV) build dist *.egg-info
