"""People, audit and settings views run no query of their own: they call services (read from the source)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "pointsbank" / "web"
VIEWS = ["pages/people.py", "pages/people_admin.py", "api/people.py", "pages/audit.py", "api/audit.py"]
FORBIDDEN = re.compile(r"\bsa\.select\b|\bselect\(|\bdb\.session\b")


@pytest.mark.parametrize("name", VIEWS)
def test_view_module_has_no_query_of_its_own(name):
    path = ROOT / name
    if not path.exists():
        pytest.skip(f"{name} does not exist")
    hits = [f"{i}: {line.strip()}" for i, line in enumerate(path.read_text().splitlines(), 1) if FORBIDDEN.search(line)]
    assert not hits, hits
