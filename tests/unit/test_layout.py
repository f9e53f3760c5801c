"""The layout's promises, read from the source like a lint rule: small modules, one-way imports, thin views."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "pointsbank"
FEATURES = sorted(
    p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists() and p.name not in ("web", "static")
)
MAX_LINES = 500


def _modules(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "translations" not in p.parts)


def _imports(path: Path) -> set[str]:
    """Every pointsbank module a file imports, at top level or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("pointsbank.")}


def _feature_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in FEATURES else None


def test_no_module_over_the_limit():
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text().splitlines()) for p in _modules(PACKAGE)}
    long = {name: n for name, n in sizes.items() if n > MAX_LINES}
    assert long == {}


def test_features_do_not_import_the_web_layer():
    offenders = {
        str(p.relative_to(PACKAGE)): sorted(m for m in _imports(p) if m.startswith("pointsbank.web"))
        for feature in FEATURES
        for p in _modules(PACKAGE / feature)
    }
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize("ground", ["ledger", "audit"])
def test_the_ground_floor_imports_no_feature(ground):
    offenders = {
        str(p.relative_to(PACKAGE)): sorted(
            m for m in _imports(p) if (f := _feature_of(m)) is not None and f not in (ground, "people", "audit")
        )
        for p in _modules(PACKAGE / ground)
        if p.name not in ("cli.py", "seed.py")  # commands and demo data sit on top of every feature
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def _feature_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {f: set() for f in FEATURES}
    for feature in FEATURES:
        for path in _modules(PACKAGE / feature):
            if path.name in ("seed.py", "cli.py"):
                continue  # demo data and commands sit on top of every feature
            for module in _imports(path):
                other = _feature_of(module)
                if other and other != feature:
                    graph[feature].add(other)
    return graph


def test_no_import_loop_between_features():
    graph = _feature_graph()
    loops = []

    def visit(node: str, path: list[str]) -> None:
        for nxt in graph[node]:
            if nxt in path:
                loops.append(path[path.index(nxt) :] + [nxt])
            elif len(path) < len(graph):
                visit(nxt, path + [nxt])

    for feature in graph:
        visit(feature, [feature])
    assert loops == []


FORBIDDEN_IN_VIEWS = ("sa.select", "db.session", "select(")


VIEWS = [str(p.relative_to(PACKAGE)) for p in _modules(PACKAGE / "web" / "pages") + _modules(PACKAGE / "web" / "api")]


@pytest.mark.parametrize("view", VIEWS)
def test_views_run_no_queries_of_their_own(view):
    text = (PACKAGE / view).read_text(encoding="utf-8")
    assert [word for word in FORBIDDEN_IN_VIEWS if word in text] == []
