# remitflow: `make demo` runs the main job on the embedded default, `make test` runs every check.
# Each target installs what it needs into .venv by itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint unit e2e bench build clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(INSTALLED)
	$(BIN)/remitflow demo

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	@# Every function's module is app.py: mypy checks each on its own.
	for f in functions/*/app.py; do $(BIN)/mypy --strict "$$f" || exit 1; done
	bash infra/lint-template.sh

unit: $(INSTALLED)
	$(BIN)/python -m pytest tests

test: lint unit

# The browser and CLI tests alone (`unit` runs them too). They need /usr/bin/chromium: .ci/run installs it.
e2e: $(INSTALLED)
	$(BIN)/python -m pytest tests/e2e

bench: $(INSTALLED)
	$(BIN)/python -m bench.parse
	$(BIN)/python -m bench.posting

build: $(INSTALLED)
	bash infra/lint-template.sh >/dev/null
	PYENV_VERSION=$${PYENV_VERSION:-3.11.7:3.13.0} .venv-sam/bin/sam build --template template.yaml

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis bench/out
