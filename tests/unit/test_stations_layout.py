"""The station code keeps its shape: views run no queries of their own, modules stay small and say what they hold."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "pointsbank"
VIEWS = [ROOT / "web" / "pages" / "stations.py", ROOT / "web" / "api" / "stations.py"]


def test_station_views_run_no_queries_of_their_own():
    for path in VIEWS:
        text = path.read_text(encoding="utf-8")
        for banned in ("sa.select", "select(", "db.session", "import sqlalchemy"):
            assert banned not in text, f"{path.name} contains {banned}"


def test_station_modules_are_small_with_a_docstring_and_no_web_import():
    for path in sorted((ROOT / "stations").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        if path.name != "__init__.py":
            assert len(text.splitlines()) <= 400, path.name
            assert ast.get_docstring(ast.parse(text)), path.name
        assert "pointsbank.web" not in text, path.name
