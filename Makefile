# The two commands a newcomer needs: `make run` and `make test`. Each creates .venv from
# the lock file on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
MANAGE := $(BIN)/python manage.py

.PHONY: install run test test-browser lint format lock messages bench-api bench-renewal bench-ingest bench-sweep bench-import soak clean

$(VENV)/.installed: requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.txt
	@$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $@

install: $(VENV)/.installed node_modules/axe-core
	@$(BIN)/python -m roamcard.core.i18n_compile

# axe-core, for the accessibility checks of the browser tests (package-lock.json pins it).
# Without npm the rest still works; those checks then skip, except in CI, where they fail.
node_modules/axe-core: package-lock.json
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "npm not found: skipping axe-core (the accessibility tests will be skipped)."; \
	elif npm ci --no-audit --no-fund --loglevel=error; then touch $@; \
	else echo "npm ci failed: skipping axe-core (the accessibility tests will be skipped)."; fi

run: install
	$(BIN)/python -m roamcard.demo.run

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-browser: install
	$(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-resolve the dependencies after editing pyproject.toml.
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 -o requirements.txt

# Extract translatable strings into the catalogues (needs GNU gettext's xgettext).
messages: install
	cd roamcard && ../$(BIN)/django-admin makemessages --settings=config.settings.dev --pythonpath=.. -l en -l zh_Hans -l zh_Hant -l ja -l ko --no-obsolete

bench-api: install
	$(BIN)/python -m bench.api

# Webhook arrival -> new balance visible in the API, SQLite and PostgreSQL + Redis (bench/renewal.py).
bench-renewal: install
	$(BIN)/python -m bench.renewal

# 1,000,000 usage events through the HTTP batch endpoint into PostgreSQL, then SQLite, against
# raw inserts of the same rows; the CDR importer's peak memory (bench/ingest.py).
bench-ingest: install
	$(BIN)/python -m bench.ingest

# Automatic renewal's sweep over 1,000,000 cards, 1 % due, on PostgreSQL (bench/sweep.py).
bench-sweep: install
	$(BIN)/python -m bench.sweep

# Not in CI: the Procfile's processes (2 web, 2 workers) on PostgreSQL + Redis under mixed
# traffic for SOAK_SECONDS (default 600), then the books and each process's memory are
# checked (bench/soak.py); bench/results/soak.json.
soak: install
	$(BIN)/python -m bench.soak

# 1,000,000 generated cards through `roamcard import-cards` into PostgreSQL (BENCH_DATABASE_URL,
# default the cardimport_bench database), then SQLite, against raw inserts; rows/s, the same
# file again (unchanged), the importer's peak memory (bench/import_cards.py).
bench-import: install
	$(BIN)/python -m bench.import_cards

clean:
	rm -rf $(VENV) var staticfiles node_modules
