"""Source-reading checks: the ledger and insights views run no query of their own; the ledger imports no feature."""

from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2] / "pointsbank"
VIEWS = [
    "web/pages/ledger.py",
    "web/pages/insights.py",
    "web/pages/home.py",
    "web/api/ledger.py",
    "web/api/insights.py",
]
FEATURES = ("activities", "reports", "rules", "stations", "insights", "web")


def test_views_hold_no_queries():
    for name in VIEWS:
        text = (ROOT / name).read_text()
        for needle in ("sa.select", "select(", "db.session"):
            assert needle not in text, f"{name} has {needle}"


def test_ledger_imports_no_feature_package():
    for path in (ROOT / "ledger").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for module in names:
                parts = module.split(".")
                assert not (parts[0] == "pointsbank" and len(parts) > 1 and parts[1] in FEATURES), (path.name, module)


def test_insights_imports_nothing_from_web():
    for path in (ROOT / "insights").glob("*.py"):
        assert "pointsbank.web" not in path.read_text(), path.name
