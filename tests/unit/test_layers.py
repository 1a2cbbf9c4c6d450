"""The import graph runs one way: each layer imports only from the layers below it, and no two
packages import each other. A service that reaches for an adapter, or a lower layer that
imports upward, fails here with the module and the import that broke the rule."""

from __future__ import annotations

import ast
from collections import defaultdict
from functools import cache
from pathlib import Path

import cruddur

SOURCE = Path(cruddur.__file__).parent

# Lowest first. A package may import its own layer's other packages only where listed in ALSO.
LAYERS: list[set[str]] = [
    {"errors"},  # the typed errors every layer raises
    {"domain", "heap", "cache", "logs", "metrics"},  # pure: no I/O but a log handler, /metrics
    {"config"},  # settings
    {"production"},  # what production refuses to start without
    {"adapters", "live_events"},  # the outside world: DynamoDB, crypto, SQL, Redis, live events
    {"services"},  # the use cases, on ports only
    {"storage", "bootstrap", "costs", "demo"},  # assembly from settings; costs; demo data
    {"stream", "api", "web", "app", "local", "cli", "__main__"},  # entry points
]
# The entry points use each other in one direction each (the CLI starts the others).
ALSO = {("web", "api"), ("app", "api"), ("app", "web"), ("cli", "api"), ("cli", "app")}
ALSO |= {("cli", "local"), ("cli", "stream"), ("local", "stream"), ("__main__", "cli")}
# The composition root builds on what `storage` opens.
ALSO |= {("bootstrap", "storage")}


def _layer_of(package: str) -> int:
    return next(i for i, names in enumerate(LAYERS) if package in names)


def _package(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in {"__version__", "__init__"}:
        return "cruddur"  # the package itself (`from cruddur import __version__`)
    return parts[1]


@cache
def _imports() -> dict[str, set[str]]:
    """module -> the cruddur modules it imports (under TYPE_CHECKING and in functions too)."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in SOURCE.rglob("*.py"):
        parts = ("cruddur", *path.relative_to(SOURCE).with_suffix("").parts)
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                found[module] |= {n for n in names if n.startswith("cruddur.")}
            elif isinstance(node, ast.Import):
                found[module] |= {a.name for a in node.names if a.name.startswith("cruddur.")}
    return found


def test_every_package_has_a_layer():
    packages = {_package(m) for m in _imports()} - {"cruddur"}
    assert packages <= set().union(*LAYERS)


def test_no_import_runs_upward_or_sideways():
    wrong = []
    for module, targets in _imports().items():
        here = _package(module)
        if here == "cruddur":
            continue
        for target in targets:
            there = _package(target)
            if there in {here, "cruddur"} or (here, there) in ALSO:
                continue
            if _layer_of(there) >= _layer_of(here):
                wrong.append(f"{module} imports {target}")
    assert wrong == []


def test_no_two_packages_import_each_other():
    edges = {
        (_package(m), _package(t))
        for m, targets in _imports().items()
        for t in targets
        if _package(m) != _package(t)
    }
    assert {(a, b) for a, b in edges if (b, a) in edges} == set()


def test_services_name_ports_not_adapters():
    reaching = [
        f"{module} imports {target}"
        for module, targets in _imports().items()
        if module.startswith("cruddur.services")
        for target in targets
        if target.startswith("cruddur.adapters")
    ]
    assert reaching == []


def test_no_module_imports_itself_round_a_cycle():
    modules = _imports()
    graph = {m: {t for t in targets if t in modules and t != m} for m, targets in modules.items()}
    done: set[str] = set()

    def cycle_from(module: str, path: list[str]) -> list[str] | None:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        for target in sorted(graph[module]):
            found = cycle_from(target, [*path, module])
            if found:
                return found
        done.add(module)
        return None

    assert [c for m in sorted(graph) if (c := cycle_from(m, []))] == []
