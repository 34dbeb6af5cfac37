"""Package facades that import a submodule only when one of its names is first used.

`from remitflow.x12 import RemittanceParser` keeps working, but importing `remitflow.domain.claims`
no longer imports the 835 reader, the bank readers and every other module of the package with it:
a Lambda's cold start pays only for what its handler uses (PEP 562 module `__getattr__`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def lazy_exports(package: str, modules: Mapping[str, Sequence[str]]) -> tuple[Callable[[str], Any], list[str]]:
    """`__getattr__` and `__all__` for `package`, whose submodules (by short name) export the names."""
    where = {name: f"{package}.{module}" for module, names in modules.items() for name in names}

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(where[name]), name)

    return __getattr__, sorted(where)
