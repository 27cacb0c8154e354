# Two commands on a fresh machine: `make build` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: build test test-all check check-quick serve audit bench bench-serve bench-hugo lint fix clean golden schemas

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

VNU := node_modules/vnu-jar/build/dist/vnu.jar

$(VNU): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(VNU)

build: $(STAMP)  ## build the site into public/
	$(PY) -m generator build

test: $(STAMP)  ## the tests a newcomer runs often: all but the slow and browser ones, one process per core (under 90 s on 2 cores)
	@start=$$(date +%s); $(PY) -m pytest -m "not slow and not browser" -n auto; status=$$?; \
	echo "make test: pytest took $$(( $$(date +%s) - start )) s"; exit $$status

test-all: $(BENCH_STAMP)  ## every test: slow ones, the bench, Hugo, the Nu checker, and the browser (Debian's chromium)
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(VNU); \
	else echo "npm not found: the Nu HTML checker and axe tests will be skipped"; fi
	$(PY) -m pytest

check: $(STAMP) $(VNU)  ## quality gates over the built site (all pages' HTML)
	$(PY) -m generator check

check-quick: $(STAMP) $(VNU)  ## quality gates, HTML of a sample of pages
	$(PY) -m generator check --quick

serve: $(STAMP)  ## preview at http://127.0.0.1:8000 with live reload
	$(PY) -m generator serve $(SERVE_ARGS)

bench: $(STAMP)  ## time synthetic builds of 1k, 10k and 100k pages
	$(PY) -m bench

AUDIT_NODE := audit/node_modules/.package-lock.json

$(AUDIT_NODE): audit/package.json audit/package-lock.json
	npm ci --prefix audit --no-audit --no-fund
	touch $(AUDIT_NODE)

audit: $(STAMP) $(AUDIT_NODE)  ## Lighthouse on one indexable page of each kind (mobile, median of 3); not part of CI
	$(PY) -m generator build
	$(PY) audit/audit.py

bench-serve: $(STAMP)  ## the preview's edit-to-screen time on the real content, 10 edits of each kind
	$(PY) -m bench.serve

bench-hugo: $(BENCH_STAMP)  ## the same at 1k and 10k pages, with Hugo building the same site in every round
	$(PY) -m bench --sizes 1000 10000 --hugo --report reports/bench-hugo.json

golden: $(STAMP)  ## rewrite tests/golden/ from the fixture site; review the diff before committing
	UPDATE_GOLDEN=1 $(PY) -m pytest tests/test_golden.py
	git diff --stat tests/golden

schemas: $(STAMP)  ## export JSON Schema files for editors into schemas/
	$(PY) -m generator schemas

lint: $(STAMP)
	$(PY) -m ruff check generator tests bench
	$(PY) -m ruff format --check generator tests bench

fix: $(STAMP)
	$(PY) -m ruff check --fix generator tests bench
	$(PY) -m ruff format generator tests bench

clean:
	rm -rf public .public.state .public.staging .public.old .public.cache .public.journal.json reports .bench .pytest_cache .ruff_cache .hypothesis
	rm -rf .preview ..preview.state
	find . -name __pycache__ -prune -exec rm -rf {} +
