# scslab: `make run` runs the default scenario end to end, `make test` runs the whole suite.
# Both create .venv on a fresh machine and install the package into it first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out/rongcheng
N ?= 20000
YEARS ?= 3

.PHONY: run test lint format typecheck docs reference validation baseline bench bench-lab bench-mesa bench-web screenshots fuzz install clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,web,docs,cluster]'
	touch $(STAMP)

install: $(STAMP)

# The browser tests drive Debian's Chromium (Playwright's own browser download cannot reach
# the internet); installed here when missing, non-interactively (CI runs as root on Debian).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "the browser tests need Chromium at $(CHROMIUM) (Debian: apt-get install chromium)"; exit 1; }
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium

run: $(STAMP)
	$(BIN)/scslab run rongcheng --n $(N) --years $(YEARS) --seed 1 --out $(OUT)
	@echo "open $(OUT)/report.html in a browser; query $(OUT)/results.duckdb with DuckDB"

# pytest on TEST_WORKERS processes (pytest-xdist; how tests are grouped: tests/conftest.py)
TEST_WORKERS ?= 2
test: $(STAMP) $(CHROMIUM) lint typecheck
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples tools
	$(BIN)/ruff format --check src tests benchmarks examples tools

format: $(STAMP)
	$(BIN)/ruff check --fix src tests benchmarks examples tools
	$(BIN)/ruff format src tests benchmarks examples tools

# mypy over the package (configured in pyproject.toml); part of `make test`
typecheck: $(STAMP)
	$(BIN)/mypy

# the documentation site, offline, failing on any warning; open site/index.html
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site
	@echo "open site/index.html in a browser"

# regenerate the pages read from the code: docs/reference/scenario.md (the schema) and loop.md
reference: $(STAMP)
	$(BIN)/python tools/reference.py

# regenerate docs/validation.md: every published figure beside each preset's value over seeds
# (tools/validation.toml lists them; takes a few minutes, WORKERS=2 runs seeds in parallel)
WORKERS ?= 1
validation: $(STAMP)
	$(BIN)/python tools/validation.py --workers $(WORKERS)

# regenerate the committed regression baseline after a change that is meant to move figures
baseline: $(STAMP)
	$(BIN)/python tests/regression/baseline.py --write

# a long fuzzing campaign (docs/reliability.md): FUZZ=10000 mutated presets, every 25th also run
FUZZ ?= 10000
fuzz: $(STAMP)
	$(BIN)/python tools/fuzz.py --examples $(FUZZ) --seed 1 --run-every 25

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_rongcheng.py

bench-lab: $(STAMP)
	$(BIN)/python benchmarks/bench_lab.py --n 20000 --years 1 --runs 200

bench-mesa: $(STAMP)
	$(BIN)/pip install -q "mesa>=3"
	$(BIN)/python benchmarks/compare_mesa.py --n 10000 --days 365 --seed 1

# screenshots of every page for the docs, taken by the browser tests
screenshots: $(STAMP) $(CHROMIUM)
	SCSLAB_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest tests/test_web_browser.py -q

# load benchmark of the web server (127.0.0.1 only): BENCH_WEB_ARGS=--quick for a reduced run
bench-web: $(STAMP)
	$(BIN)/python benchmarks/bench_web.py $(BENCH_WEB_ARGS)

clean:
	rm -rf $(VENV) out site .pytest_cache .mypy_cache
