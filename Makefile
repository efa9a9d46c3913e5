# `make demo` and `make test` set everything up on a fresh machine: the virtualenv, then installs.
# Python 3.12, the Lambda runtime (`.python-version` selects it where pyenv is used).
PYTHON ?= $(shell command -v python3.12)
VENV := .venv
# Keep bytecode caches out of ACMExpiryRule/, which `rdk deploy` zips whole.
export PYTHONDONTWRITEBYTECODE := 1
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-peers template clean pycache

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

# `make bench-peers`: the real Prowler and Cloud Custodian beside `acm-expiry scan` and the rule's handler
# (bench/peers.py). Each peer is pinned and gets its own virtualenv under build/, named after its pin so
# that a new pin installs afresh. PEERS_PYTHON builds them: both install and run on Python 3.12.
PEERS_PYTHON ?= $(PYTHON)
PROWLER_PIN := prowler==5.46.0
CUSTODIAN_PIN := c7n==0.9.53
PROWLER := build/peers/$(subst ==,-,$(PROWLER_PIN))
CUSTODIAN := build/peers/$(subst ==,-,$(CUSTODIAN_PIN))

# $(1): the virtualenv, $(2): the pin. Bytecode is written at install, as a user's pip install does.
define install_peer
	@test -n "$(PEERS_PYTHON)" || { echo "make: python3.12 not found; pass PEERS_PYTHON=/path/to/python" >&2; exit 1; }
	rm -rf $(1)
	@echo "make: installing $(2) into $(1) (Prowler's virtualenv takes about 1.5 GB and some minutes)"
	$(PEERS_PYTHON) -m venv $(1)
	env -u PYTHONDONTWRITEBYTECODE $(1)/bin/python -m pip install --quiet --disable-pip-version-check "$(2)"
	@touch $(1)/.installed
endef

$(PROWLER)/.installed:
	$(call install_peer,$(PROWLER),$(PROWLER_PIN))

$(CUSTODIAN)/.installed:
	$(call install_peer,$(CUSTODIAN),$(CUSTODIAN_PIN))

bench-peers: $(STAMP) $(PROWLER)/.installed $(CUSTODIAN)/.installed
	$(BIN)/python -m bench.peers --prowler $(PROWLER)/bin/prowler --custodian $(CUSTODIAN)/bin/custodian

# `rdk deploy` zips ACMExpiryRule/ whole: run this first if Python ran the rule outside make.
pycache:
	find ACMExpiryRule cli -name __pycache__ -prune -exec rm -rf {} +

clean: pycache
	rm -rf $(VENV) build *.egg-info
