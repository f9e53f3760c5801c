"""Lighthouse (mobile) scores for the resident's main pages on the demo data; prints them, times nothing.

python -m bench.lighthouse [PATH ...]     default: login, home, statement, pay code, report

Needs Chromium (/usr/bin/chromium or CHROME_PATH) and the npm package `lighthouse` (LIGHTHOUSE=path to its
binary; otherwise `npx --yes lighthouse@12.8.2` fetches it from the npm registry). The issue's bar: performance
and accessibility at least 95, best practices 100.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

PAGES = ["/login", "/", "/ledger/", "/stations/pay", "/reports/new"]
RESIDENT = "13900000001"
BAR = {"performance": 95, "accessibility": 95, "best-practices": 100}
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-dev-shm-usage"


def _lighthouse() -> list[str]:
    if os.environ.get("LIGHTHOUSE"):
        return [os.environ["LIGHTHOUSE"]]
    return ["npx", "--yes", "lighthouse@12.8.2"]


def _serve(tmp: Path):
    """The app on a seeded SQLite file in a background thread; returns (base URL, session cookie)."""
    from werkzeug.serving import make_server

    from pointsbank.db import run_in_unit
    from pointsbank.extensions import db
    from pointsbank.seed import DEMO_PASSWORD, seed_all
    from tests.conftest import make_test_app

    app = make_test_app(f"sqlite:///{tmp / 'lh.db'}", tmp, SERVER_NAME=None, TESTING=False)
    with app.app_context():
        db.create_all()
        run_in_unit(seed_all)
    client = app.test_client()
    client.post("/login", data={"phone": RESIDENT, "password": DEMO_PASSWORD})
    client.post("/elder", data={"mode": "0"})
    cookies = "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", cookies, server


def scores(url: str, cookies: str, out: Path) -> dict[str, int]:
    """One Lighthouse run of a page: category scores 0-100 (and the failing audits printed)."""
    headers = json.dumps({"Cookie": cookies}) if cookies else "{}"
    command = _lighthouse() + [
        url,
        "--quiet",
        f"--chrome-flags={CHROME_FLAGS}",
        "--only-categories=performance,accessibility,best-practices",
        "--form-factor=mobile",
        "--output=json",
        f"--output-path={out}",
        f"--extra-headers={headers}",
    ]
    env = dict(os.environ, CHROME_PATH=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    subprocess.run(command, check=True, env=env, timeout=300, stdout=subprocess.DEVNULL)
    report = json.loads(out.read_text())
    result = {name: round(100 * (cat["score"] or 0)) for name, cat in report["categories"].items()}
    for name, cat in report["categories"].items():
        for ref in cat["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight") and audit.get("score") is not None and audit["score"] < 1:
                print(f"    {name}: {ref['id']} {audit['score']} {audit.get('displayValue', '')}")
    return result


def main() -> int:
    if not shutil.which(os.environ.get("CHROME_PATH", "/usr/bin/chromium")):
        print("Chromium not found: skipping Lighthouse (apt-get install chromium)")
        return 0
    if not os.environ.get("LIGHTHOUSE") and not shutil.which("npx"):
        print("npx not found: skipping Lighthouse (install Node.js, or set LIGHTHOUSE)")
        return 0
    pages = sys.argv[1:] or PAGES
    below = 0
    with tempfile.TemporaryDirectory() as tmp:
        base, cookies, server = _serve(Path(tmp))
        try:
            print(f"{'page':<16} {'performance':>11} {'accessibility':>13} {'best-practices':>14}")
            for path in pages:
                found = scores(base + path, cookies if path != "/login" else "", Path(tmp) / "report.json")
                row = [found.get(name, 0) for name in BAR]
                flag = "" if all(v >= BAR[n] for v, n in zip(row, BAR)) else "  below the bar"
                below += bool(flag)
                print(f"{path:<16} {row[0]:>11} {row[1]:>13} {row[2]:>14}{flag}", flush=True)
        finally:
            server.shutdown()
    return 1 if below else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    raise SystemExit(main())
