# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make letter   renders an example letter to out/
#   make test     runs the whole test suite (lint, types, the documentation, tests)
# make docs builds the documentation site into out/site/ (open out/site/index.html).
# Each creates and fills the virtual environment .venv when it is missing or out of date.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DEVELOPMENT := $(VENV)/.installed-dev

.PHONY: letter test lint typecheck docs unit clean libreoffice chromium postgresql postgresql-stop preview-screenshots

# What rendering needs, and no more (make letter).
$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $(INSTALLED)

# The development tools too: pytest, ruff, mypy ... (make test).
$(DEVELOPMENT): $(INSTALLED)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(DEVELOPMENT)

letter: $(INSTALLED)
	mkdir -p out
	$(BIN)/letters render examples/cpc-report-defamation.json -o out/cpc-report-defamation.docx

test: libreoffice chromium postgresql lint typecheck docs unit

# LibreOffice and metric-compatible fonts, for --format pdf and the tests that read letters as a
# PDF, and LibreOffice's Python binding (python3-uno), for the LibreOffice `letters serve` keeps
# running; installed from Debian's packages when missing (as root, or with sudo).
libreoffice:
	@command -v soffice >/dev/null && command -v pdftotext >/dev/null \
	  && /usr/bin/python3 -c 'import uno' 2>/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	    libreoffice-writer-nogui fonts-liberation2 fonts-crosextra-carlito poppler-utils \
	    python3-uno; }

# Debian's Chromium, which the preview's browser tests drive through Playwright (Playwright
# cannot download its own browsers here); installed from Debian's packages when missing.
chromium:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium; }

# A throwaway PostgreSQL server for the register's tests: Debian's postgresql package
# (installed when missing, as root or with sudo), a cluster of its own in a folder under /tmp
# (one per clone), listening on a unix socket only, run as the postgres user when make runs as
# root (PostgreSQL refuses root). The tests read its URL from out/postgresql.url.
# PG_HOME may be given (make postgresql PG_HOME=...) to share one server between copies of the
# project: tests/test_docs.py runs the docs' `make postgresql` in a copy with this clone's.
PG_HOME ?= /tmp/letters-postgresql-$(shell printf %s "$(CURDIR)" | sha256sum | cut -c1-12)
PG_URL := out/postgresql.url

postgresql:
	@bin=$$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1); \
	if [ -z "$$bin" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends postgresql \
	    >/dev/null && \
	  bin=$$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1) || exit 1; \
	fi; \
	run=; \
	if [ "$$(id -u)" = 0 ]; then \
	  id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres || exit 1; \
	  run="runuser -u postgres --"; \
	fi; \
	mkdir -p $(PG_HOME) && chmod 700 $(PG_HOME) && \
	{ [ "$$(id -u)" != 0 ] || chown postgres $(PG_HOME); } && \
	if ! $$run $$bin/pg_ctl -D $(PG_HOME)/data status >/dev/null 2>&1; then \
	  { [ -f $(PG_HOME)/data/PG_VERSION ] || \
	    $$run $$bin/initdb -D $(PG_HOME)/data -U letters --auth=trust -E UTF8 >/dev/null; } && \
	  $$run $$bin/pg_ctl -D $(PG_HOME)/data -l $(PG_HOME)/server.log -w -t 60 \
	    -o "-k $(PG_HOME) -c listen_addresses='' -c fsync=off" start >/dev/null || \
	  { cat $(PG_HOME)/server.log; exit 1; }; \
	fi; \
	mkdir -p out && echo "postgresql://letters@/postgres?host=$(PG_HOME)" > $(PG_URL) && \
	echo "PostgreSQL for the tests: $$(cat $(PG_URL))"

postgresql-stop:
	@bin=$$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1); \
	run=; [ "$$(id -u)" != 0 ] || run="runuser -u postgres --"; \
	[ -z "$$bin" ] || [ ! -d $(PG_HOME)/data ] || $$run $$bin/pg_ctl -D $(PG_HOME)/data -m fast stop; \
	rm -f $(PG_URL)

lint: $(DEVELOPMENT)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/letters clauses lint --no-warnings

typecheck: $(DEVELOPMENT)
	$(BIN)/mypy

# The documentation site (mkdocs.yml, docs/), built strictly: a broken link, anchor or API
# reference fails it. Into out/site/, which git ignores; nothing is fetched from the network.
docs: $(DEVELOPMENT)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

unit: $(DEVELOPMENT)
	$(BIN)/pytest

# Pictures of the preview (a letter with a sentence's origin beside it, the index of letters,
# a clause's page), taken by its browser tests against a real `letters preview` and written to
# out/preview/, which git ignores: no build or test writes a file the repository tracks.
preview-screenshots: chromium $(DEVELOPMENT)
	LETTERS_SCREENSHOTS=$(CURDIR)/out/preview $(BIN)/pytest -q -p no:cacheprovider \
	  tests/web/test_preview.py -k "origin_beside or links_to_its_clause or index_is_searched"
	@ls out/preview/*.png

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
