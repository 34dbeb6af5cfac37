# remitflow: `make demo` runs the main job on the embedded default, `make test` runs every check.
# Each target installs what it needs into .venv by itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

COMPILED := build/compiled
# The reader's own tests: run again against its compiled modules.
READER_TESTS := tests/unit/test_corpus.py tests/unit/test_bad_input.py tests/unit/test_balancing.py \
	tests/unit/test_parser_segments.py tests/unit/test_properties.py tests/unit/test_tokenizer.py \
	tests/unit/test_cli_parse.py tests/unit/test_compiled_reader.py tests/unit/test_fast_paths.py \
	tests/unit/test_wild_835.py

.PHONY: demo test lint unit unit-compiled compiled e2e bench build clean

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

# A copy of the package with the 835 reader compiled by mypyc, as the Lambda layer ships it.
$(COMPILED)/.built: $(INSTALLED) layers/remitflow/compile_reader.sh $(shell find layers/remitflow/remitflow -name '*.py')
	rm -rf $(COMPILED)
	mkdir -p $(COMPILED)
	cp -r layers/remitflow/remitflow $(COMPILED)/
	find $(COMPILED) -name __pycache__ -prune -exec rm -rf {} +
	bash layers/remitflow/compile_reader.sh $(COMPILED) $(BIN)/python
	@# With its bytecode, as the layer ships it (layers/remitflow/Makefile): what bench.cold_start measures.
	$(BIN)/python -m compileall -q -j 0 --invalidation-mode unchecked-hash $(COMPILED)
	touch $@

compiled: $(COMPILED)/.built

unit-compiled: $(COMPILED)/.built
	REMITFLOW_COMPILED_READER=1 PYTHONPATH=$(COMPILED) $(BIN)/python -m pytest -q -p no:cacheprovider $(READER_TESTS)

test: lint unit unit-compiled

# The browser and CLI tests alone (`unit` runs them too). They need /usr/bin/chromium: .ci/run installs it.
e2e: $(INSTALLED)
	$(BIN)/python -m pytest tests/e2e

# Posting at 1,000 and 10,000 claims and the modelled AWS path; BENCH_50MB=1 adds the 50 MB ERA
# (long on moto), BENCH_CLAIMS the sizes: see bench/posting.py.
bench: $(COMPILED)/.built
	$(BIN)/python -m bench.parse
	$(BIN)/python -m bench.posting
	$(BIN)/python -m bench.cold_start

build: $(INSTALLED)
	bash infra/lint-template.sh >/dev/null
	PYENV_VERSION=$${PYENV_VERSION:-3.11.7:3.13.0} .venv-sam/bin/sam build --template template.yaml

clean:
	rm -rf $(VENV) $(COMPILED) .pytest_cache .mypy_cache .ruff_cache .hypothesis bench/out
