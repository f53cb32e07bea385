# The two commands a newcomer needs are `make run` and `make test`.
# Everything lives in .venv, created on first use from Python 3.11.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help run test test-dates install install-dev migrate content lint format bench bench-load bench-load-prepare bench-servers bench-faults backup guide-screenshots validators clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-18s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else "Python 3.11 or newer is needed; found " + sys.version.split()[0] + " at $(PYTHON). Set PYTHON=/path/to/python3.11")'
	@echo "Creating the virtual environment in $(VENV)..."
	$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-runtime: requirements.txt | $(BIN)/python
	@echo "Installing the site's dependencies (about a minute the first time)..."
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	@echo "Installing the site's and the test tools' dependencies (about a minute the first time)..."
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@ $(VENV)/.installed-runtime

install: $(VENV)/.installed-runtime ## Create .venv and install the site's dependencies

install-dev: $(VENV)/.installed-dev ## Also install the test and lint tools

migrate: install ## Bring the database up to date
	@echo "Bringing the database up to date..."
	@$(MANAGE) migrate --noinput -v 0

# The address the site serves on is its public address here: links in the
# e-mails it prints, its sitemap, feeds and calendar files lead back to it.
content run: export SITE_URL ?= http://$(HOST):$(PORT)

content: migrate ## Load the initial content and the local demo workshop (safe to repeat)
	$(MANAGE) load_initial_content --demo

run: content ## Set up everything and serve the site on http://127.0.0.1:8000
	@$(MANAGE) create_dev_admin --url http://$(HOST):$(PORT)/admin/
	@echo ""
	@echo "  The site:  http://$(HOST):$(PORT)/"
	@echo "  The admin: http://$(HOST):$(PORT)/admin/  (log in as above)"
	@echo "  Stop with Ctrl+C."
	@echo ""
	$(MANAGE) runserver $(HOST):$(PORT)

test: install-dev ## Run every check CI runs: Django checks, migrations, lint, the test suite
	$(MANAGE) check --fail-level WARNING
	$(MANAGE) makemigrations --check --dry-run
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest $(PYTEST_ARGS)

# No test may depend on the day it runs: Debian's faketime moves the clock of
# pytest alone, 400 days on, then to just before the clocks go forward in
# London (01:00 UTC on 31 March 2030), so that the run crosses the change.
test-dates: install-dev ## Run the suite (not the browser tests) with the clock 400 days on, then across the change to summer time
	@command -v faketime >/dev/null || { echo "faketime is needed: apt-get install -y faketime"; exit 1; }
	faketime -f '+400d' $(BIN)/pytest -m "not browser" $(PYTEST_ARGS)
	faketime -f '@2030-03-31 00:59:30' $(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

lint: install-dev ## Check the code style
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev ## Fix the code style
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Each benchmark makes its own throwaway database: see bench/README.md.
# bench-load runs on PostgreSQL when one answers on 127.0.0.1:5432 (else
# SQLite); the others on SQLite, then on BENCH_DATABASE_URL's server if set.
bench: bench-load ## Every benchmark: the site under load (needs wrk), exports (time, memory), concurrent bookings
	BENCH_DATABASE_URL= $(BIN)/python bench/export_bookings.py
	BENCH_DATABASE_URL= $(BIN)/python bench/booking_latency.py
ifneq ($(strip $(BENCH_DATABASE_URL)),)
	BENCH_DATABASE_URL='$(BENCH_DATABASE_URL)' $(BIN)/python bench/export_bookings.py
	BENCH_DATABASE_URL='$(BENCH_DATABASE_URL)' $(BIN)/python bench/booking_latency.py
else
	@echo "Exports and bookings not benchmarked on PostgreSQL: set BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench to add it."
endif

# The production stack (gunicorn, Redis when it answers) under wrk with the
# initial content, a large content set and ten times it, on PostgreSQL at
# 127.0.0.1:5432 when it answers, else SQLite: bench/README.md. The 10x set
# is built once (about 7 minutes) and kept between runs; then about 10
# minutes. Needs wrk (apt-get install wrk). BENCH_ARGS=--quick for a tenth
# of everything; --drop-kept, --rebuild-kept, --skip-10x: bench/README.md.
bench-load: install-dev ## The whole site under load with wrk at three content sizes, and its speed targets
	$(BIN)/python bench/site_load.py $(BENCH_ARGS)

bench-load-prepare: install-dev ## Build bench-load's kept 10x content set ahead, if missing or out of date
	$(BIN)/python bench/site_load.py --prepare-kept $(BENCH_ARGS)

# Two gunicorns with the production settings on one PostgreSQL and one Redis
# (BENCH_DATABASE_URL, BENCH_REDIS_URL, defaults on 127.0.0.1): bench/README.md.
bench-servers: install-dev ## Book one workshop through two app servers at once (needs PostgreSQL and Redis)
	$(BIN)/python bench/app_servers.py

# The same stack with its mail server, Redis and database failing in turn, each
# behind a proxy the benchmark starts and stops on 127.0.0.1 (the servers
# themselves are never touched): bench/README.md. About 2½ minutes.
bench-faults: install-dev ## The site while its mail server, Redis and database fail (needs PostgreSQL and Redis)
	$(BIN)/python bench/faults.py $(BENCH_ARGS)

backup: install ## Back up the database and prove the backup restores (BACKUP_OUTPUT=path chooses the file)
	$(MANAGE) backup_and_verify $(if $(BACKUP_OUTPUT),--output $(BACKUP_OUTPUT))

guide-screenshots: install-dev ## Take the editor guide's pictures again from the real admin (needs Chromium)
	UPDATE_EDITOR_GUIDE=1 BROWSER_TESTS_REQUIRED=1 $(BIN)/pytest tests/browser/test_editor_guide_screenshots.py

# The W3C Nu Html Checker, which the HTML tests run over rendered pages
# (tests/validators.py); needs Java 11 or newer to run. Pinned, so that a new
# release of its rules never fails a build unannounced.
VNU_VERSION := 26.9.27
validators: ## Install the W3C Nu Html Checker for the HTML tests (needs npm; Java to run)
	npm install --no-save --no-audit --no-fund --ignore-scripts --prefix $(VENV)/validators vnu-jar@$(VNU_VERSION)

clean: ## Remove .venv, the local database and uploads (asks nothing: be sure)
	rm -rf $(VENV) db.sqlite3 db.sqlite3-shm db.sqlite3-wal media private-media static tests/browser/screenshots
