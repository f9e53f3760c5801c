"""Layout of rules, activities and reports: small modules, one-way imports, views without queries."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "pointsbank"
PACKAGES = ("rules", "activities", "reports")
VIEWS = [ROOT / "web" / kind / f"{name}.py" for kind in ("pages", "api") for name in PACKAGES]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("view", VIEWS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_views_run_no_queries_of_their_own(view):
    text = view.read_text(encoding="utf-8")
    for needle in ("sa.select", "select(", "db.session", "import sqlalchemy"):
        assert needle not in text, f"{view.name} holds {needle!r}: move it into a service function"


@pytest.mark.parametrize("package", PACKAGES)
def test_modules_are_small_with_a_docstring(package):
    for path in (ROOT / package).glob("*.py"):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(lines) <= 500, f"{package}/{path.name} has {len(lines)} lines"
        if path.name != "__init__.py":
            assert ast.get_docstring(ast.parse("\n".join(lines))), f"{package}/{path.name} has no docstring"


def test_rules_know_neither_activities_nor_reports():
    for path in (ROOT / "rules").glob("*.py"):
        for module in _imports(path):
            assert not module.startswith(("pointsbank.activities", "pointsbank.reports")), (path.name, module)


@pytest.mark.parametrize("package", PACKAGES)
def test_features_do_not_import_the_web_layer(package):
    for path in (ROOT / package).glob("*.py"):
        assert not any(m.startswith("pointsbank.web") for m in _imports(path)), path.name


def test_activities_and_reports_record_approval_decisions(app):
    from pointsbank.rules import approvals

    assert {"activity", "report"} <= set(approvals._recorders)
