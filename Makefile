# ava-router: every target works from a fresh clone with only Python 3.11+ and pip.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Modules setup.py compiles with mypyc: an edit to one must rebuild its extension.
COMPILED := router/negation.py router/rules_numbers.py router/rules_scan.py router/rules_derive.py

.PHONY: install run test lint bench eval soak check clean

$(STAMP): pyproject.toml setup.py $(COMPILED)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install  ## serve the API on http://127.0.0.1:8000 with the embedded defaults
	$(BIN)/ava-router serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check router tests bench setup.py
	$(BIN)/ruff format --check router tests bench setup.py
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile

check: install  ## validate the real catalog
	$(BIN)/ava-router catalog check

test: lint check  ## the whole suite: lint, type-check, catalog check, tests
	$(BIN)/pytest

bench: install  ## performance figures (not part of make test)
	$(BIN)/python -m bench

eval: install  ## feature precision/recall and the routing evaluation (APGR)
	$(BIN)/python -m router.feature_eval
	$(BIN)/python -m router.routing_eval

soak: install  ## 60 s of mixed load on loopback: 0 errors required, p99 reported
	$(BIN)/python -m bench.soak

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis artifacts build
	rm -f router/*.so router_engine__mypyc*.so
