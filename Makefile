# The two commands of the README: `make run` and `make test`.
# Both build the virtual environment in .venv first (idempotent).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: setup run test postgres

$(BIN)/.callqa-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/callqa model-path
	touch $@

setup: $(BIN)/.callqa-installed

run: setup
	$(BIN)/callqa run

postgres:
	@bash tests/ensure_postgres.sh

test: setup postgres
	$(BIN)/python -m pytest
