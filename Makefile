# Two entry points: `make run` (the app with a demo project) and `make test` (the whole suite).
# Both create .venv on first use and only reinstall when pyproject.toml changes.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.11 where there is one, otherwise whatever python3 is (pyproject.toml needs 3.11 or 3.12).
PYTHON_BOOTSTRAP ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# The test suite runs against real PostgreSQL and Redis; the environment may point elsewhere.
TEST_DATABASE_URL := $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/workbench)
TEST_REDIS_URL := $(or $(REDIS_URL),redis://127.0.0.1:6379/1)
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=
# A folder of seed articles for tests/test_seed_corpus.py (skipped when unset; .ci/run sets it).
WORKBENCH_CORPUS ?=

.PHONY: help run test prerequisites-run prerequisites-test install install-test frontend \
	frontend-test migrate seed lint clean

help:
	@echo "make run    install, migrate, seed the demo project and serve on http://$(HOST):$(PORT)"
	@echo "make test   install Chromium and an emoji font if missing (as root), check PostgreSQL and"
	@echo "            Redis, install with test extras and run the whole test suite"
	@echo "make lint   ruff check + ruff format --check + lint-imports (layer contracts, .importlinter)"
	@echo "make clean  remove .venv, collected static files and the frontend build"

# Stop at once, naming the command to run, when the machine lacks something (see the script).
PREREQUISITES := PYTHON_BOOTSTRAP='$(PYTHON_BOOTSTRAP)' VENV='$(VENV)' \
	TEST_DATABASE_URL='$(TEST_DATABASE_URL)' TEST_REDIS_URL='$(TEST_REDIS_URL)' \
	bash scripts/check-prerequisites

prerequisites-run:
	@$(PREREQUISITES) run

prerequisites-test:
	@$(PREREQUISITES) test

$(PY):
	@test -n "$(PYTHON_BOOTSTRAP)" || { echo "No python3.11 or python3 on PATH." >&2; exit 1; }
	@echo "Creating $(VENV) with $(PYTHON_BOOTSTRAP)"
	$(PYTHON_BOOTSTRAP) -m venv $(VENV)

# Stamp files: pip runs again only when the dependencies (pyproject.toml) change.
$(VENV)/.installed-app: pyproject.toml | $(PY)
	@echo "Installing the app into $(VENV)"
	$(PY) -m pip install --quiet --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	@echo "Installing the app and its test dependencies into $(VENV)"
	$(PY) -m pip install --quiet --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed-app

install: $(VENV)/.installed-app

# Browser tests drive Debian's Chromium (installed by prerequisites-test): only the Python package
# is needed, never `playwright install` (it downloads a browser of its own).
install-test: $(VENV)/.installed-test
	@$(PY) -c "import playwright.sync_api" 2>/dev/null || $(PY) -m pip install --quiet --quiet playwright

# The frontend is optional: built only when frontend/package.json exists.
frontend:
	@if [ -f frontend/package.json ]; then \
		command -v npm >/dev/null || { echo "frontend/package.json exists but npm is missing." >&2; exit 1; }; \
		cd frontend; \
		if [ ! -f node_modules/.workbench-installed ] \
			|| [ package.json -nt node_modules/.workbench-installed ] \
			|| { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.workbench-installed ]; }; then \
			echo "Installing frontend packages"; \
			if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi \
				&& touch node_modules/.workbench-installed || exit 1; \
		fi; \
		echo "Building the frontend"; \
		npm run build || exit 1; \
	else \
		echo "No frontend/package.json: skipping the frontend build"; \
	fi

# The frontend's own unit tests, when its package.json defines a "test" script.
frontend-test: frontend
	@if [ -f frontend/package.json ] && grep -q '"test"[[:space:]]*:' frontend/package.json; then \
		echo "Running the frontend tests"; \
		cd frontend && npm test; \
	fi

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: prerequisites-run install frontend
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) manage.py seed_demo
	@echo "Serving on http://$(HOST):$(PORT)/ (API docs: http://$(HOST):$(PORT)/api/docs/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# pytest exits 5 when it collected no tests: that is a failure too.
test: prerequisites-test install-test frontend frontend-test
	@echo "Running the tests against $(TEST_DATABASE_URL) and $(TEST_REDIS_URL)"
	@echo "Seed articles: $(or $(WORKBENCH_CORPUS),none (WORKBENCH_CORPUS unset: tests/test_seed_corpus.py skips them))"
	@DATABASE_URL='$(TEST_DATABASE_URL)' REDIS_URL='$(TEST_REDIS_URL)' CELERY_TASK_ALWAYS_EAGER=true \
		WORKBENCH_CORPUS='$(WORKBENCH_CORPUS)' \
		$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing." >&2; exit 1; fi; \
	exit $$rc

lint: install-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) staticfiles frontend/dist frontend/node_modules
