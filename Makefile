# Two commands on a fresh machine with python3 (3.11+) and make:
#   make forecast   the back-test (results/backtest/), then every scenario (baseline
#                   included) -> results/<name>/, results/index.html
#   make test       the whole test suite (what .ci/run calls)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install forecast test lint bench clean lock

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)  ## only set up .venv with the locked requirements

forecast: $(STAMP)
	$(BIN)/capaciteit backtest scenarios/baseline.toml --origins 2010-2021 -n 200 --seed 1 \
		-o results/backtest --force --quiet
	$(BIN)/capaciteit backtest scenarios/no-reentry.toml --origins 2010-2021 -n 200 --seed 1 \
		-o results/backtest-no-reentry --force --quiet
	$(BIN)/capaciteit publish scenarios/*.toml -o results --force

test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --maxprocesses 4
	$(BIN)/ruff check capaciteit tests benchmarks

lint: $(STAMP)
	$(BIN)/ruff check capaciteit tests benchmarks
	$(BIN)/ruff format --check capaciteit tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Regenerate requirements.lock from pyproject.toml in a throwaway venv.
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install --quiet --disable-pip-version-check "setuptools>=69" wheel -e '.[dev]'
	(echo "# Locked dependencies: pip freeze --all of a clean venv with '.[dev]' (regenerate: make lock)"; \
	 .lockenv/bin/pip freeze --all | grep -v -E "^(-e|#|pip==|capaciteit)") > requirements.lock
	rm -rf .lockenv
