# Every target works on a fresh machine: `setup` builds .venv from pyproject.toml.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: setup chromium axe fonts test test-fast screenshot lint format demo bench docs clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,dev,docs]'
	touch $(STAMP)

setup: $(STAMP)

chromium:
	bash scripts/ensure-chromium.sh

## make axe: axe-core (pinned, integrity-checked) from the npm registry into .cache/, for the
## browser tests' accessibility checks; offline once cached
axe:
	python3 scripts/fetch_axe.py --quiet

## make fonts: a CJK font for the simulator's prompt band (Debian's fonts-wqy-microhei)
fonts:
	bash scripts/ensure-fonts.sh

## make test: set up, then run every test (client, simulator, widgets, notebooks, real browser)
test: setup chromium axe fonts
	$(PY) -m pytest $(PYTEST_ARGS)

## make test-fast: everything but the browser tests
test-fast: setup fonts
	$(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

## make screenshot: retake docs/img/studio.png (the README's picture) in the real browser
screenshot: setup chromium axe
	UPDATE_DOCS_SCREENSHOT=1 $(PY) -m pytest tests/browser/test_studio.py -k progress_moving $(PYTEST_ARGS)

## make lint: ruff, mypy (strict), then the docs site with --strict (a broken link or reference fails)
lint: setup
	$(VENV)/bin/ruff check vidwidgets tests benchmarks
	$(VENV)/bin/ruff format --check vidwidgets tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet --site-dir site

format: setup
	$(VENV)/bin/ruff check --fix vidwidgets tests benchmarks
	$(VENV)/bin/ruff format vidwidgets tests benchmarks

## make demo: open the quickstart in JupyterLab on the embedded simulator (no key needed)
demo: setup fonts
	$(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 --allow-root notebooks/quickstart.ipynb

## make bench: all eight benchmarks; a full run rewrites the table of docs/performance.md
bench: setup
	$(PY) -m benchmarks

## make docs: the documentation site on http://127.0.0.1:8000, rebuilt on every change
docs: setup
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs serve -a 127.0.0.1:8000

clean:
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache test-artifacts bench-results site
