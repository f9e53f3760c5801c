"""`make bench`: the hot paths under load from outside, their ratios to references measured in the same run, growth.

    python -m bench.run [--scales 10000,100000,500000] [--main-scale 100000] [--seconds 10] [--workers sync,gthread]
    BENCH_QUICK=1 python -m bench.run      (a smoke run: tiny districts, one-second loads)

Every district is built on a fresh PostgreSQL database migrated by the project's migrations, served by gunicorn
(2 sync workers, or gthread 2 x 4), loaded by wrk (-t2 -c16) from its own process. In the same run: pgbench
TPC-B (-c8 -j2) on its own database, a bare Flask JSON endpoint and a minimal Flask-SQLAlchemy spend under the
same gunicorn settings. Prints markdown tables: loads, targets (met / short), growth, verify times, worker RSS.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import pg
from bench.dataset import COMMUNITY_SIZE, build
from bench.fixtures import LOGINS, app_on, prepare, statements_per_request
from bench.growth import UNITS, cookie_file, measure, redemption_load, warm
from bench.load import WORKERS, Server, pgbench, wrk, wrk_path
from bench.report import Target, growth_table, load_table, target_table

QUICK = os.environ.get("BENCH_QUICK") == "1"


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="pointsbank benchmark")
    parser.add_argument("--scales", default="1000,3000" if QUICK else "10000,100000,500000")
    parser.add_argument("--main-scale", type=int, default=None, help="district for the load table (default: middle)")
    parser.add_argument("--seconds", type=float, default=1 if QUICK else 10, help="seconds per load")
    parser.add_argument("--workers", default="sync,gthread")
    parser.add_argument("--codes", type=int, default=300 if QUICK else 12_000, help="pay codes, first redemption load")
    parser.add_argument("--logins", type=int, default=4 if QUICK else LOGINS, help="residents logged in for reads")
    parser.add_argument("--pgbench-scale", type=int, default=1 if QUICK else 10)
    parser.add_argument("--repeat", type=int, default=2 if QUICK else 10, help="GETs per timed page")
    args = parser.parse_args()
    args.scales = sorted(int(s) for s in args.scales.split(","))
    args.workers = [w for w in args.workers.split(",") if w]
    if args.main_scale is None:
        args.main_scale = args.scales[len(args.scales) // 2]
    return args


def loads(app, fixtures, district, kind: str, folder: Path, args, env, ref_env, residents) -> dict:
    """One worker kind: bare, minimal spend, redemption, page, JSON by cookie and bearer; RSS after."""
    log = folder / "gunicorn.log"
    out = {}
    with Server("bench.refapp:bare", kind, env, log) as server:
        warm(server, [("/", {})])
        out["bare Flask JSON endpoint"] = wrk(server.url + "/", "get.lua", ["/", "-"], args.seconds)
    with Server("bench.refapp:spend", kind, ref_env, log) as server:
        warm(server, [("/", {})])
        bodies = folder / "ref-spend"
        bodies.write_text("".join(f'{{"account": {i}}}\n' for i in range(1, 10_001)))
        out["minimal Flask-SQLAlchemy spend"] = wrk(
            server.url + "/spend", "post.lua", ["/spend", str(bodies), "-", "2", "s"], args.seconds
        )
    cookies = cookie_file(folder, "cookies", fixtures.cookies)
    bearers = cookie_file(folder, "bearers", [f"Bearer {t}" for t in fixtures.tokens], "Authorization")
    with Server("wsgi:app", kind, env, log) as server:
        warm(
            server,
            [
                (p, h)
                for p in ("/ledger/", "/api/v1/accounts/me")
                for h in ({"Cookie": fixtures.cookies[0]}, {"Authorization": f"Bearer {fixtures.tokens[0]}"})
            ],
        )
        out["redemption POST (fresh pay code each)"] = redemption_load(
            app, server, fixtures, residents, folder, args.seconds, f"{kind}{district.residents}"
        )
        out["balance page /ledger/"] = wrk(server.url + "/ledger/", "get.lua", ["/ledger/", str(cookies)], args.seconds)
        me = "/api/v1/accounts/me"
        out["balance JSON, cookie"] = wrk(server.url + me, "get.lua", [me, str(cookies)], args.seconds)
        out["balance JSON, bearer"] = wrk(server.url + me, "get.lua", [me, str(bearers)], args.seconds)
        out["rss"] = server.worker_rss_mb()
    return out


def main() -> int:
    args = options()
    wrk_path()
    folder = Path(tempfile.mkdtemp(prefix="pb-bench-"))
    instance = folder / "instance"
    lines: list[str] = []
    started = time.perf_counter()
    print(f"bench: scales {args.scales}, loads of {args.seconds:g} s, workers {args.workers}", flush=True)
    load_before = os.getloadavg()[1]
    ref_db = pg.new_database("pb_bench_ref")
    pgbench_db = pg.new_database("pb_bench_pgbench")
    databases = [ref_db, pgbench_db]
    try:
        tps = pgbench(pg.libpq_url(pgbench_db), args.seconds, args.pgbench_scale)
        pg.drop_database(pgbench_db)
        print(f"pgbench TPC-B -c8 -j2: {tps:,.0f} tps", flush=True)
        ref_env = dict(pg.app_env(ref_db, instance), PB_BENCH_REF_URL=pg.url_of(ref_db))
        subprocess.run(
            [sys.executable, "-c", "from bench.refapp import create_reference_tables as c; c()"],
            env=ref_env,
            cwd=pg.ROOT,
            check=True,
        )
        growth: dict[str, dict[int, float]] = {label: {} for label in UNITS}
        extra: list[str] = []
        rss: dict[str, list[float]] = {}
        for scale in args.scales:
            name = pg.new_database()
            databases.append(name)
            lines += one_district(name, scale, args, folder, instance, tps, ref_env, growth, rss, extra)
            pg.drop_database(name)
            databases.remove(name)
        lines += growth_section(args.scales, growth, rss, extra)
    finally:
        for name in databases:
            pg.drop_database(name)
        shutil.rmtree(folder, ignore_errors=True)
    print("\n".join(lines))
    cores, load_after = os.cpu_count(), os.getloadavg()[1]
    print(
        f"(whole run: {time.perf_counter() - started:.0f} s on {cores} cores; 5-minute load average "
        f"{load_before:.1f} at the start, {load_after:.1f} at the end: above {cores} means other work shared the cores)"
    )
    return 0


def one_district(name, scale, args, folder, instance, tps, ref_env, growth, rss, extra) -> list[str]:
    """Build a district on database name, verify it, load it (the main scale) and take its growth figures."""
    import flask_migrate

    from pointsbank.db import run_in_unit, utcnow
    from pointsbank.extensions import db
    from pointsbank.insights.rollup import roll_all
    from pointsbank.ledger.verify import verify

    lines = []
    env = pg.app_env(name, instance)
    with app_on(name, instance) as app:
        with app.app_context():
            flask_migrate.upgrade(directory=str(pg.ROOT / "migrations"), revision="heads")
            db.session.remove()
        t0 = time.perf_counter()
        district = build(pg.url_of(name), scale)
        built = time.perf_counter() - t0
        extra.append(f"- {scale:,} residents: built in {built:.1f} s ({district.entries:,} entries)")
        print(extra[-1], flush=True)
        with app.app_context():
            t0 = time.perf_counter()
            report = verify()
            seconds = time.perf_counter() - t0
            db.session.remove()
        verdict = "OK" if report.ok else f"{len(report.problems)} problems"
        extra.append(f"- `flask ledger verify` over {district.entries:,} entries: {seconds:.1f} s ({verdict})")
        print(extra[-1], flush=True)
        with app.app_context():  # what the hourly `rollups` job keeps up to date in production
            t0 = time.perf_counter()
            rolled = run_in_unit(lambda: roll_all(utcnow()))
            seconds = time.perf_counter() - t0
            db.session.remove()
        extra.append(f"- `flask insights rollup` ({rolled['days']:,} community days): {seconds:.1f} s")
        print(extra[-1], flush=True)
        measured = district.measured_residents()
        residents = list(range(args.logins + 2, min(measured + 1, args.logins + 2 + args.codes)))
        fixtures = prepare(app, district, args.logins)
        if scale == args.main_scale:
            sql = statements_per_request(app, fixtures, district, folder)
            for kind in args.workers:
                figures = loads(app, fixtures, district, kind, folder, args, env, ref_env, residents)
                rss[f"{kind}, {scale:,} residents"] = figures.pop("rss")
                tables = main_tables(kind, scale, tps, figures, sql)
                lines += tables
                print("\n".join(tables), flush=True)
        with Server("wsgi:app", "sync", env, folder / "gunicorn.log") as server:
            figures = measure(app, server, fixtures, district, folder, args.seconds, args.repeat, residents)
            for label, value in figures.items():
                growth[label][scale] = value
            rss[f"sync after growth loads, {scale:,} residents"] = server.worker_rss_mb()
        with app.app_context():
            db.engine.dispose()
    return lines


def main_tables(kind: str, scale: int, tps: float, figures: dict, sql: dict) -> list[str]:
    statements = {
        "redemption POST (fresh pay code each)": sql.get("redemption"),
        "balance page /ledger/": sql.get("page"),
        "balance JSON, cookie": sql.get("json_cookie"),
        "balance JSON, bearer": sql.get("json_bearer"),
    }
    workers = " ".join(WORKERS[kind])
    rows = {label: (load, statements.get(label)) for label, load in figures.items()}
    bare = figures["bare Flask JSON endpoint"].rate
    redemption = figures["redemption POST (fresh pay code each)"]
    targets = [
        Target("redemption / pgbench tps", redemption.rate / tps, 0.20),
        Target("redemption p99", redemption.p99, 50, at_most=True, unit=" ms"),
        Target("redemption errors", redemption.errors, 1, at_most=True, unit=""),
        Target("balance page / bare", figures["balance page /ledger/"].rate / bare, 0.30),
        Target("balance JSON cookie / bare", figures["balance JSON, cookie"].rate / bare, 0.40),
        Target("balance JSON bearer / bare", figures["balance JSON, bearer"].rate / bare, 0.40),
        Target("(reference) minimal spend / pgbench tps", figures["minimal Flask-SQLAlchemy spend"].rate / tps, 0),
    ]
    title = f"gunicorn {workers}, {scale:,} residents ({COMMUNITY_SIZE:,} per community); pgbench {tps:,.0f} tps"
    return load_table(title, rows) + target_table(targets)


def growth_section(scales, growth, rss, extra) -> list[str]:
    out = ["#### growth (gunicorn 2 sync workers; one community; statement of a resident with 5,010 entries)", ""]
    out += growth_table(scales, {k: v for k, v in growth.items() if v}, UNITS)
    last = scales[-1]
    targets = [
        Target(f"coordinator dashboard at {last:,}", growth["coordinator dashboard"].get(last, 0), 100, True, " ms"),
        Target(f"weekly champions at {last:,}", growth["weekly champions"].get(last, 0), 100, True, " ms"),
    ]
    targets += [Target(f"worker RSS, {label}", max(sizes), 150, True, " MB") for label, sizes in rss.items() if sizes]
    return out + target_table(targets) + extra + [""]


if __name__ == "__main__":
    raise SystemExit(main())
