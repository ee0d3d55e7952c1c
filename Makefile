# The two quick-start commands are `make demo` and `make test`; both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install system-deps demo test lint typecheck check bench bench-peers clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)
	@# Bytecode for every module of src/, written once here: a shell that sets
	@# PYTHONDONTWRITEBYTECODE (this machine's does) otherwise compiles ~380 modules again in
	@# every aic process, about a third of its start-up CPU. Only stale files are rewritten.
	@$(BIN)/python -m compileall -q -j 0 src > /dev/null

system-deps:
	bash scripts/ensure-system-packages.sh

demo: install
	$(BIN)/aic-start --agent1 mock --agent2 mock --topic "Is a hot dog a sandwich?" --max-turns 10

test: install system-deps
	AIC_REQUIRE_TOOLS=1 $(BIN)/python -m pytest -q -p no:cacheprovider

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy
	$(BIN)/mypy benchmarks  # the scripts no test runs: type-checked so they cannot rot

check: lint typecheck test

bench: install system-deps
	$(BIN)/aic bench --output bench-results/latest.json

# AutoGen pins an older protobuf than our OTLP exporter: it gets its own environment.
PEERS_VENV := benchmarks/.venv-peers
bench-peers: install system-deps
	test -x $(PEERS_VENV)/bin/python || $(PYTHON) -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/python -m pip install -q autogen-agentchat autogen-ext
	$(BIN)/aic bench --peers --peers-python $(PEERS_VENV)/bin/python --output bench-results/latest.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
