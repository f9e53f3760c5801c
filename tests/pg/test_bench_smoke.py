"""`make bench` end to end at its tiniest scale: it runs and prints every target (no figure is asserted)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import PG_URL, pg_reachable

ROOT = Path(__file__).resolve().parents[2]


def test_quick_bench_runs_end_to_end():
    if not pg_reachable():
        pytest.skip("PostgreSQL not reachable")
    for tool in ("wrk", "pgbench"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} not installed (apt-get install {tool})")
    admin = sa.make_url(PG_URL).set(database="postgres").render_as_string(hide_password=False)
    env = dict(os.environ, BENCH_QUICK="1", PB_BENCH_POSTGRES_URL=admin)
    args = ["--scales", "300", "--workers", "sync", "--seconds", "1", "--repeat", "1", "--codes", "40"]
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    for line in ("redemption / pgbench tps", "balance page / bare", "balance JSON bearer / bare", "weekly champions"):
        assert line in out
    assert "ledger verify` over 16,000 entries" in out and "(OK)" in out
    assert "| awards CSV export |" in out


def test_duplicate_suggestion_bench_runs_and_reads_one_statement_through_the_index():
    if not pg_reachable():
        pytest.skip("PostgreSQL not reachable")
    admin = sa.make_url(PG_URL).set(database="postgres").render_as_string(hide_password=False)
    env = dict(os.environ, PB_BENCH_POSTGRES_URL=admin)
    args = ["--reports", "4000", "--probes", "30"]
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_duplicates", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "| statements per suggestion query | 1 (target ≤ 3: met) |" in done.stdout
    assert "| reports | 4,000 |" in done.stdout
