"""The package's layering, read from the source with `ast` (nothing is imported).

Units are the subpackages of `remitflow` (x12, bank, reference, domain, adapters, services) and its
top-level modules (settings, runtime, values). Imports between units must not form a cycle, and the
domain must stay pure: no AWS SDK, no adapters, services, CLI, settings or runtime wiring. Imports
inside one unit (a module and its own package's `__init__`) are that unit's business, not layering.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator, Mapping
from itertools import pairwise
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "layers" / "remitflow" / "remitflow"

# What the domain may never import (DESIGN.md: the domain is pure).
DOMAIN_FORBIDDEN = (
    "boto3",
    "botocore",
    "remitflow.adapters",
    "remitflow.services",
    "remitflow_cli",
    "remitflow.settings",
    "remitflow.runtime",
)

Edges = Mapping[str, Mapping[str, list[str]]]  # unit -> imported unit -> "module imports target" lines


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit_of(module: str) -> str:
    """'remitflow.domain.matching' -> 'domain', 'remitflow.settings' -> 'settings', 'remitflow' -> 'remitflow'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def imported_modules(path: Path) -> Iterator[str]:
    """Every module `path` imports, anywhere in the file (TYPE_CHECKING and function-level imports too)."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    yield from imports_in(path.read_text(encoding="utf-8"), package)


def imports_in(source: str, package: str) -> Iterator[str]:
    """Every module a source text in `package` imports."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            yield source
            # `from remitflow import settings` imports the module remitflow.settings.
            yield from (f"{source}.{alias.name}" for alias in node.names if _is_module(f"{source}.{alias.name}"))


def _is_module(dotted: str) -> bool:
    parts = dotted.split(".")
    if parts[0] != PACKAGE.name:
        return False
    path = PACKAGE.joinpath(*parts[1:])
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def unit_edges() -> Edges:
    edges: defaultdict[str, defaultdict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in modules():
        source = module_name(path)
        for target in imported_modules(path):
            if target.split(".")[0] != PACKAGE.name:
                continue
            if unit_of(target) != unit_of(source):
                edges[unit_of(source)][unit_of(target)].append(f"{source} imports {target}")
    return edges


def find_cycle(edges: Edges) -> list[str] | None:
    """One cycle as a path of units that ends where it starts, or None."""
    done: set[str] = set()

    def visit(unit: str, path: list[str]) -> list[str] | None:
        if unit in path:
            return [*path[path.index(unit) :], unit]
        if unit in done:
            return None
        for target in sorted(edges.get(unit, {})):
            if cycle := visit(target, [*path, unit]):
                return cycle
        done.add(unit)
        return None

    for unit in sorted(edges):
        if cycle := visit(unit, []):
            return cycle
    return None


def describe(cycle: list[str], edges: Edges) -> str:
    steps = [f"  {a} -> {b}: " + "; ".join(sorted(set(edges[a][b]))) for a, b in pairwise(cycle)]
    return "import cycle " + " -> ".join(cycle) + "\n" + "\n".join(steps)


def test_the_package_is_where_the_test_reads_it() -> None:
    # A wrong path would find no modules and make every check below pass vacuously.
    names = {module_name(p) for p in modules()}
    assert {"remitflow.domain.matching", "remitflow.bank.models", "remitflow.services.reconciliation"} <= names


def test_the_edges_seen_are_the_real_imports() -> None:
    edges = unit_edges()
    # Known imports in both forms the reader must see: `from a.b import name` and `from a import module`.
    assert "remitflow.services.reconciliation imports remitflow.domain.matching" in edges["services"]["domain"]
    assert "remitflow.runtime imports remitflow.services.worklist" in edges["runtime"]["services"]
    assert "remitflow.settings" in set(imports_in("from remitflow import settings", "remitflow.services"))
    assert "remitflow.domain.claims" in set(imports_in("from ..domain import claims", "remitflow.services"))


def test_the_cycle_finder_names_a_cycle() -> None:
    edges = {"bank": {"domain": ["b imports d"]}, "domain": {"x12": ["d imports x"], "bank": ["d imports b"]}}
    assert find_cycle(edges) == ["bank", "domain", "bank"]
    assert find_cycle({"domain": {"x12": []}, "services": {"domain": []}}) is None


def test_no_import_cycle_between_subpackages() -> None:
    edges = unit_edges()
    cycle = find_cycle(edges)
    assert cycle is None, describe(cycle, edges)


def test_the_domain_stays_pure() -> None:
    wrong = [
        f"{module_name(path)} imports {target}"
        for path in modules()
        if unit_of(module_name(path)) == "domain"
        for target in imported_modules(path)
        if any(target == name or target.startswith(name + ".") for name in DOMAIN_FORBIDDEN)
    ]
    assert wrong == [], "the domain must not import AWS, adapters, services, CLI, settings or runtime:\n" + "\n".join(
        wrong
    )
