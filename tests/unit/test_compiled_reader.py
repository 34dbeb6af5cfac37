"""`make unit-compiled` runs the reader's tests again on its mypyc-compiled modules; this checks that
those, and not the .py files beside them, are what the run imported."""

from __future__ import annotations

import os

import pytest

from remitflow.x12 import balancing, parser, tokenizer, values

COMPILED = bool(os.environ.get("REMITFLOW_COMPILED_READER"))


@pytest.mark.skipif(not COMPILED, reason="only under `make unit-compiled`")
@pytest.mark.parametrize("module", [tokenizer, values, balancing, parser], ids=lambda m: m.__name__)
def test_the_compiled_module_is_the_one_imported(module: object) -> None:
    path = getattr(module, "__file__", "") or ""
    assert path.endswith(".so"), path
