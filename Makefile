# Two commands do everything: `make run` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# torch==2.13.0 is pinned; on machines without a local CPU wheel pass e.g.
# TORCH_INDEX=https://download.pytorch.org/whl/cpu to avoid pulling a CUDA build.
TORCH_INDEX ?=
TORCH_ARGS := $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX),)

.PHONY: setup run test lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet torch==2.13.0 $(TORCH_ARGS)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: setup
	$(BIN)/worldgraph run workflows/default.json --out output

test: setup lint
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check graph nodes media bench tests
	$(BIN)/mypy

bench: setup
	$(BIN)/python bench/executor.py --json
	$(BIN)/python bench/world.py --json
	$(BIN)/python bench/media.py --json
	$(BIN)/python bench/server.py --json

clean:
	rm -rf $(VENV) output temp build *.egg-info
