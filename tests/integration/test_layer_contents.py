"""The Lambda layer ships runtime code only.

The layer's package is built as `sam build` builds it (layers/remitflow/Makefile's `package` step,
without the arm64 wheels: the test's own environment stands in for them). With the development
tooling made unimportable, every module in the built layer and every function's handler must import,
and no module in the layer may import that tooling anywhere, not even lazily inside a function.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from remitflow.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
# What Lambda never has: the embedded AWS, the local runner, the CLI, the test libraries.
DEVELOPMENT_ONLY = ("moto", "remitflow_local", "remitflow_cli", "pytest", "hypothesis", "_pytest")

# Runs in a fresh interpreter: block the development tooling, put the layer first, import everything.
IMPORT_EVERYTHING = """
import importlib, importlib.abc, importlib.util, json, sys
layer, modules, handlers, blocked = json.loads(sys.argv[1])

class DevelopmentOnly(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in blocked:
            raise ModuleNotFoundError(f"{name} is not in the Lambda runtime", name=name)
        return None

sys.meta_path.insert(0, DevelopmentOnly())
sys.path.insert(0, layer)
failures = {}
for name in modules:
    try:
        importlib.import_module(name)
    except Exception as error:
        failures[name] = f"{type(error).__name__}: {error}"
for name, path in handlers:
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except Exception as error:
        failures[path] = f"{type(error).__name__}: {error}"
# The editable install could serve remitflow from the source tree: every module must come from the layer.
elsewhere = sorted(
    name for name, module in sys.modules.items()
    if name.partition(".")[0] == "remitflow" and not (getattr(module, "__file__", None) or "").startswith(layer)
)
print(json.dumps({"failures": failures, "elsewhere": elsewhere}))
"""


@pytest.fixture(scope="module")
def layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("layer") / "python"
    subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT / "layers" / "remitflow"), "package", f"TARGET={target}"],
        check=True,
        capture_output=True,
    )
    return target


def _module_names(layer: Path) -> list[str]:
    names = []
    for path in sorted(layer.rglob("*.py")):
        parts = path.relative_to(layer).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def _development_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [f"line {node.lineno}: {name}" for name in names if name.partition(".")[0] in DEVELOPMENT_ONLY]
    return found


def test_the_layer_holds_the_runtime_package(layer: Path) -> None:
    modules = _module_names(layer)
    assert {"remitflow", "remitflow.runtime", "remitflow.settings", "remitflow.adapters.s3"} <= set(modules)
    assert all(name.partition(".")[0] == "remitflow" for name in modules)
    assert not list(layer.rglob("__pycache__"))


def test_no_module_in_the_layer_imports_development_tooling(layer: Path) -> None:
    offenders = {
        str(path.relative_to(layer)): found
        for path in sorted(layer.rglob("*.py"))
        if (found := _development_imports(path))
    }
    assert offenders == {}


def test_every_layer_module_and_handler_imports_without_development_tooling(layer: Path, tmp_path: Path) -> None:
    handlers = [(f"handler_{app.parent.name}", str(app)) for app in sorted((ROOT / "functions").glob("*/app.py"))]
    assert len(handlers) >= 6
    # Handlers read their settings at import; Lambda has them from template.yaml, here placeholders do.
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "AWS_", "POWERTOOLS_"))
    }
    environment |= {name.upper(): f"layer-test-{name}" for name, f in Settings.model_fields.items() if f.is_required()}
    environment |= {"AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_TRACE_DISABLED": "true"}
    arguments = json.dumps([str(layer), _module_names(layer), handlers, DEVELOPMENT_ONLY])
    result = subprocess.run(
        [sys.executable, "-I", "-c", IMPORT_EVERYTHING, arguments],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome == {"failures": {}, "elsewhere": []}
