# Two commands do everything: `make run` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# torch==2.13.0 is pinned; on machines without a local CPU wheel pass e.g.
# TORCH_INDEX=https://download.pytorch.org/whl/cpu to avoid pulling a CUDA build.
TORCH_INDEX ?=
TORCH_ARGS := $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX),)

.PHONY: setup editor chromium run test test-python test-editor lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet torch==2.13.0 $(TORCH_ARGS)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The editor (frontend/): npm packages, then a production build the server serves at /.
FRONTEND := frontend
NPM_STAMP := $(FRONTEND)/node_modules/.installed
EDITOR_BUILD := $(FRONTEND)/dist/index.html
EDITOR_SOURCES := $(shell find $(FRONTEND)/src -type f 2>/dev/null) $(FRONTEND)/index.html $(FRONTEND)/vite.config.ts
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(NPM_STAMP): $(FRONTEND)/package.json $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && npm ci --no-audit --no-fund
	touch $@

$(EDITOR_BUILD): $(NPM_STAMP) $(EDITOR_SOURCES)
	cd $(FRONTEND) && npm run build

editor: $(EDITOR_BUILD)

# Browser tests drive Debian's chromium (playwright cannot download a browser here).
chromium:
	command -v chromium >/dev/null || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }

# The server with the editor; a first visit opens workflows/default.json.
run: setup editor
	$(BIN)/worldgraph serve --root .

test: test-python test-editor

test-python: setup lint
	$(BIN)/python -m pytest

test-editor: setup editor chromium
	cd $(FRONTEND) && npm run typecheck && npm test && npm run e2e

lint: setup
	$(BIN)/ruff check graph nodes media world live bench tests custom_nodes server.py webserver
	$(BIN)/mypy

bench: setup editor chromium
	$(BIN)/python bench/executor.py --json
	$(BIN)/python bench/world.py --json
	$(BIN)/python bench/media.py --json
	$(BIN)/python bench/server.py --json
	$(BIN)/python bench/learned.py --json
	node bench/editor.mjs --json
	node bench/live.mjs --json

clean:
	rm -rf $(VENV) output temp build *.egg-info $(FRONTEND)/node_modules $(FRONTEND)/dist
