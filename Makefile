# Clearcut. `make demo` sets everything up, runs the scenario (demo/, via bin/demo) and serves;
# `make test` runs the suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo serve test lint format bench clean-var

$(STAMP): pyproject.toml constraints.txt
	command -v dot >/dev/null 2>&1 || apt-get install -y -q graphviz || echo "Graphviz (dot) is needed for provenance pictures"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	bin/demo

serve: install
	bin/demo --serve-only

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

clean-var:
	rm -rf var
