# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make letter   renders an example letter to out/
#   make test     runs the whole test suite (lint, types, tests)
# Each creates and fills the virtual environment .venv when it is missing or out of date.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DEVELOPMENT := $(VENV)/.installed-dev

.PHONY: letter test lint typecheck unit clean libreoffice chromium docs/preview.png

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

test: libreoffice chromium lint typecheck unit

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

lint: $(DEVELOPMENT)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/letters clauses lint --no-warnings

typecheck: $(DEVELOPMENT)
	$(BIN)/mypy

unit: $(DEVELOPMENT)
	$(BIN)/pytest

# The README's picture of the preview, taken by its browser test against a real `letters preview`
# (make test writes nothing the repository tracks; this target does, on purpose).
docs/preview.png: chromium $(DEVELOPMENT)
	LETTERS_SCREENSHOT=$(CURDIR)/docs/preview.png $(BIN)/pytest -q tests/test_preview.py -k test_focusing_a_sentence_shows_its_clause

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
