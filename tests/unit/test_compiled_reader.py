"""`make unit-compiled` runs the reader's tests again on its mypyc-compiled modules; this checks that
every module of the reader is in the compile script, and that the compiled modules, not the .py files
beside them, are what the run imported."""

from __future__ import annotations

import importlib
import os
import re
from pathlib import Path

import pytest

import remitflow.x12

COMPILED = bool(os.environ.get("REMITFLOW_COMPILED_READER"))
COMPILE_SCRIPT = Path(__file__).resolve().parents[2] / "layers" / "remitflow" / "compile_reader.sh"
# Pydantic models and the problem types stay Python; mypyc compiles the code that reads.
NOT_COMPILED = {"__init__", "base_models", "errors", "models"}
READER_MODULES = sorted(
    path.stem for path in Path(remitflow.x12.__file__).parent.glob("*.py") if path.stem not in NOT_COMPILED
)


def test_every_reader_module_is_compiled_by_the_compile_script() -> None:
    listed = re.search(r"^modules=\(([^)]*)\)", COMPILE_SCRIPT.read_text(), re.MULTILINE)
    assert listed is not None, f"no modules=(...) in {COMPILE_SCRIPT}"
    assert sorted(listed.group(1).split()) == [f"remitflow/x12/{name}.py" for name in READER_MODULES]


@pytest.mark.skipif(not COMPILED, reason="only under `make unit-compiled`")
@pytest.mark.parametrize("name", READER_MODULES)
def test_the_compiled_module_is_the_one_imported(name: str) -> None:
    path = getattr(importlib.import_module(f"remitflow.x12.{name}"), "__file__", "") or ""
    assert path.endswith(".so"), path
