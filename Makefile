# `make demo` and `make test` set everything up on a fresh machine: the virtualenv, then installs.
# Python 3.12, the Lambda runtime (`.python-version` selects it where pyenv is used).
PYTHON ?= $(shell command -v python3.12)
VENV := .venv
# Keep bytecode caches out of ACMExpiryRule/, which `rdk deploy` zips whole.
export PYTHONDONTWRITEBYTECODE := 1
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# `make demo` needs only the package and its demo extra (moto, cryptography), not the development tools.
DEMO_STAMP := $(VENV)/.demo-installed
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check
RDK_PACKAGE := build/rdk

.PHONY: demo test lint bench bench-peers mutants template clean pycache layer package release report-preview rdk-package \
	org-status stage rdk-log-retention runbook

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "make: python3.12 not found; install Python 3.12 or pass PYTHON=/path/to/python3.12" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(PIP) -r requirements.txt
	$(PIP) --no-deps -e .
	@touch $(STAMP)

$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) -e '.[demo]'
	@touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/acm-expiry demo

# checkov pins boto3 to a version of its own (1.35.49), older than the one the rule runs on: it gets a
# virtualenv of its own, which tests/test_deploy.py runs.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

$(CHECKOV_STAMP): deploy/checkov-requirements.txt $(STAMP)
	@test -x $(CHECKOV_VENV)/bin/python || $(BIN)/python -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r deploy/checkov-requirements.txt
	@touch $@

# The HTML report of a sample organization, screenshots at 1366 and 390 px, and A4 and Letter PDFs, by
# Debian's chromium (apt-get install -y chromium), in build/report-preview/.
report-preview: $(STAMP)
	$(BIN)/python -m tests.support.report_preview build/report-preview

# The rule folder as `rdk deploy` should zip it: RDK zips the folder whole, and ACMExpiryRule_test.py
# (for `rdk test-local`) and bytecode caches have no place in the function. Deploy from $(RDK_PACKAGE):
#   cd build/rdk && rdk deploy ACMExpiryRule --lambda-role-arn <role ARN> --lambda-timeout 900 --rdklib-layer-arn <layer ARN>
rdk-package:
	rm -rf $(RDK_PACKAGE)
	mkdir -p $(RDK_PACKAGE)
	cp -RL ACMExpiryRule $(RDK_PACKAGE)/
	find $(RDK_PACKAGE) \( -name '*_test.py' -o -name __pycache__ -o -name '*.zip' \) -prune -exec rm -rf {} +

# The remediation runbook's script is ACMExpiryRule/acm_expiry/remediation.py, whole: this writes it into
# deploy/remediation.yaml and deploy/member.yaml (tests/test_runbook.py fails while they differ).
runbook:
	$(PYTHON) deploy/runbook.py

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

# Every stack instance of the organization roll-out that is not CURRENT, with CloudFormation's reason:
#   make org-status [ARGS="--region us-east-1 --call-as DELEGATED_ADMIN"]
org-status: $(STAMP)
	$(BIN)/acm-expiry org-status $(ARGS)

# One account without StackSets (deploy/README.md, "One account, with CloudFormation alone"): both zips uploaded
# and pinned in the account's bucket of each Region, and dist/member.yaml, the member template carrying the pins.
#   make stage REGIONS="us-east-1"
stage: $(STAMP)
	$(BIN)/python deploy/artifacts.py stage --regions $(REGIONS) $(ARGS)

# The RDK path's log group with a retention: Lambda makes /aws/lambda/<function> with none on the function's
# first run; this creates it if missing and sets the retention either way (deploy/README.md, "One account, with RDK").
#   make rdk-log-retention [DAYS=365] [ARGS="--region eu-west-1 --function-name RDK-Rule-Function-ACMExpiryRule"]
rdk-log-retention: $(STAMP)
	$(BIN)/python deploy/artifacts.py log-retention --days $(or $(DAYS),365) $(ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench.periodic

# `make mutants`: each hand-made mutation of bench/mutant_catalogue.py against the tests of its module,
# in a temporary copy of the repository; a table and one JSON object. One module or mutant:
#   make mutants ARGS="--module verdict"    make mutants ARGS="--mutant edge/backoff-uncapped"
mutants: $(STAMP)
	$(BIN)/python -m bench.mutants $(ARGS)

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
	rm -rf $(VENV) $(CHECKOV_VENV) build dist *.egg-info
