# Two commands do everything on a fresh Debian machine with Python >= 3.11:
#   make demo   - system packages, .venv, the package, then the default leaflets and decks
#   make test   - the same set-up, then make lint's checks (ruff, mypy --strict), then the test suite
#   make serve  - the same set-up, then the web app for clinic staff on http://127.0.0.1:8000/
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig \
	fonts-noto-core fonts-noto-cjk poppler-utils ghostscript gettext libreoffice-impress \
	chromium chromium-driver postgresql bootstrap-icons
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: demo test test-fast bench proof check matrix sysdeps venv lint clean serve

sysdeps:
	@PYTHON=$(PYTHON) scripts/ensure-system-packages.sh $(SYSTEM_PACKAGES)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "handout needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	@touch $@

venv: sysdeps $(STAMP)

demo: venv
	$(BIN)/handout check
	$(BIN)/handout build --all --level standard --format pdf --format pptx --jobs $(JOBS)
	@echo "Leaflets and decks are in output/<lang>/<level>/; see output/manifest.json"

matrix: venv
	$(BIN)/handout build --all --jobs $(JOBS)

# Lint first: a finding fails the run before the suite starts.
test: lint
	CI=1 $(BIN)/python -m pytest -n $(JOBS) -q

# The inner loop: everything but the tests marked slow (the full matrix, browsers, clusters).
# No lint here, so a half-done change can still be tested; make lint runs it on its own.
# --dist loadscope: a module's tests run in one worker, so its fixtures (a web app, a set of
# leaflets) are built once, not once per worker (a minute of CPU less on 2 cores).
test-fast: venv
	$(BIN)/python -m pytest -n $(JOBS) --dist loadscope -q -m "not slow"

check: venv
	$(BIN)/handout check

serve: venv
	$(BIN)/handout serve

bench: venv
	$(BIN)/python -m builder.bench

proof: venv
	$(BIN)/handout proof --topic relapsed-refractory --lang en --lang ar --lang zh_Hans --level easy --out proof

# The versions pinned in pyproject.toml's dev extra; the settings are in pyproject.toml too.
lint: venv
	$(BIN)/ruff check builder tests
	$(BIN)/mypy

clean:
	rm -rf output/*/ output/manifest.json proof .cache
