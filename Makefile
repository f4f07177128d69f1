# The vocabulary of the project. `make run` and `make test` are all a new
# machine needs: they install what is missing first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell scripts/find-python.sh)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements.lock | sha256sum | cut -c1-12)
AUDIT_VENV := .venv-audit
LINT_VENV := .venv-lint
LINT_STAMP := $(LINT_VENV)/.installed-$(shell cat requirements-dev.txt requirements-dev.lock | sha256sum | cut -c1-12)
LINTED := actions bot referrals stats tests bench scripts
WEB_STAMP := web/node_modules/.installed
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONPATH := $(CURDIR)

.PHONY: help install lint-deps lint web-deps browser model run run-scaled shell stats test validate unit system stories nlu-eval nlu-compare check-data content-review audit bench bench-scenarios bench-soak clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): requirements.txt requirements.lock
	@test -n "$(PYTHON)" || { scripts/find-python.sh; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==24.0"
	$(BIN)/python -m pip install --quiet -r requirements.txt -c requirements.lock
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)  ## create .venv and install the pinned dependencies

$(LINT_STAMP): requirements-dev.txt requirements-dev.lock
	@test -n "$(PYTHON)" || { scripts/find-python.sh; exit 1; }
	@test -x $(LINT_VENV)/bin/python || $(PYTHON) -m venv $(LINT_VENV)
	$(LINT_VENV)/bin/python -m pip install --quiet --upgrade "pip==24.0"
	$(LINT_VENV)/bin/python -m pip install --quiet -r requirements-dev.txt -c requirements-dev.lock
	@rm -f $(LINT_VENV)/.installed-* && touch $@

lint-deps: $(LINT_STAMP)  ## ruff, black, mypy and import-linter in their own venv (.venv-lint)

lint: install lint-deps  ## format (black), lint (ruff), types (mypy), import rules (import-linter)
	$(LINT_VENV)/bin/black --check --quiet $(LINTED)
	$(LINT_VENV)/bin/ruff check --quiet $(LINTED)
	$(LINT_VENV)/bin/mypy --python-executable $(BIN)/python
	$(LINT_VENV)/bin/lint-imports --no-cache

$(WEB_STAMP): web/package.json web/package-lock.json
	@command -v npm >/dev/null || { echo "error: npm is needed for the web chat (apt-get install npm)"; exit 1; }
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	@touch $@

web-deps: $(WEB_STAMP)  ## the web chat's front-end packages (socket.io client, axe-core) from npm

browser: ## Debian's Chromium for the browser tests (Playwright drives it; nothing is downloaded by Playwright)
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "error: install Chromium (sudo apt-get install chromium) for the browser tests"; exit 1; fi; }

check-data: install  ## validate the referral dataset (file and field named on error)
	$(BIN)/python -m referrals.loader

content-review: install  ## write docs/content-review.md: every text, its language, source and quote (seed in ../shared/seed/)
	$(BIN)/python -m referrals.review

model: check-data  ## train if data, config or NLU code changed
	$(BIN)/python -m bot.run.training

run: model web-deps  ## start everything and print where to chat
	$(BIN)/python -m bot.run.cli run

run-scaled: model web-deps  ## scale-out profile: 2 Rasa replicas (5005, 5006) on the local PostgreSQL and Redis
	$(BIN)/python -m bot.run.scaled

shell: model  ## talk to the assistant in the terminal
	$(BIN)/python -m bot.run.cli shell

stats: install  ## anonymous referral statistics: a table, and the chart var/stats.png (STATS_ARGS="--weeks 52 --csv var/stats.csv")
	$(BIN)/python -m stats $(STATS_ARGS)

validate: install  ## rasa data validate, failing on any warning
	$(BIN)/rasa data validate --fail-on-warnings --config config.yml --domain domain.yml --data data

unit: install web-deps  ## fast tests: tests/unit (no server process, no browser)
	$(BIN)/python -m pytest -q tests/unit

system: install web-deps browser model  ## tests/system: the real servers, make run, replicas, the browser
	$(BIN)/python -m pytest -q --durations=15 tests/system

stories: model  ## conversation tests in both languages
	$(BIN)/rasa test core --model $$($(BIN)/python -c 'from bot.run.training import model_path; print(model_path())') \
	  --stories tests/stories --endpoints endpoints.yml --fail-on-prediction-errors --out results/core

nlu-eval: model  ## the situation of the first reply (sealed set) and intent F1 (held-out set), failing below floors
	$(BIN)/python scripts/evaluate_nlu.py
	$(BIN)/python scripts/evaluate_situations.py --part dev --no-enforce
	$(BIN)/python scripts/evaluate_situations.py --part sealed

nlu-compare: install  ## NLU figures with spaCy (config.yml) and without (config_baseline.yml)
	$(BIN)/python scripts/evaluate_nlu.py --config config_baseline.yml --no-enforce
	$(BIN)/python scripts/evaluate_nlu.py --config config.yml --no-enforce

audit: install  ## known advisories in requirements.lock (pip-audit, in its own venv)
	@test -x $(AUDIT_VENV)/bin/pip-audit || { $(PYTHON) -m venv $(AUDIT_VENV) && $(AUDIT_VENV)/bin/pip install --quiet -r requirements-audit.txt; }
	$(BIN)/python scripts/audit.py --pip-audit $(AUDIT_VENV)/bin/pip-audit

bench: model  ## latency, throughput, start-up and memory, ours beside a stock `rasa init` assistant
	$(BIN)/python -m bench.run $(BENCH_ARGS)

BENCH_SCENARIOS_ARGS ?= --turn-cost 400 --steady 20x40 --overload 200,500
bench-scenarios: model  ## issue 15: turn cost at turn 1/50/200/400, 20x40 steady, overload 200/500, ours beside stock
	$(BIN)/python -m bench.scenarios $(BENCH_SCENARIOS_ARGS)

BENCH_SOAK_ARGS ?= --soak 30@10 --json results/soak.json
bench-soak: model  ## issue 15: 30 minutes at 10 turns/s each, ours then stock: memory and p95, start against end (about 65 min)
	mkdir -p results
	$(BIN)/python -m bench.scenarios --turn-cost 0 --steady "" --overload "" $(BENCH_SOAK_ARGS)

test: check-data lint validate model unit system stories nlu-eval audit  ## every test

clean:  ## remove models, results and local data (not the venv)
	rm -rf models results var/*.db
