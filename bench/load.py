"""Load from outside: gunicorn in its own processes, wrk from another, pgbench for the database's own figure."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

LUA = Path(__file__).resolve().parent / "lua"
WORKERS = {"sync": ["-w", "2", "-k", "sync"], "gthread": ["-w", "2", "-k", "gthread", "--threads", "4"]}
WRK = ["-t2", "-c16", "--latency"]


@dataclass
class Load:
    """One wrk run: requests/s, latency percentiles and failed answers (non-2xx/3xx or socket errors)."""

    rate: float
    p50: float
    p99: float
    errors: int
    requests: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving app (module:attribute) with one of WORKERS on a free port of 127.0.0.1."""

    def __init__(self, app: str, workers: str, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        gunicorn = Path(sys.executable).with_name("gunicorn")
        args = [str(gunicorn), "--no-control-socket", *WORKERS[workers], "-b", f"127.0.0.1:{self.port}", app]
        self.log = log.open("ab")
        self.process = subprocess.Popen(args, cwd=env["PYTHONPATH"], env=env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {app} exited; see {log}")
            try:
                urllib.request.urlopen(self.url + "/bench-ready", timeout=2)
            except urllib.error.HTTPError:
                return  # it answers (404 is an answer)
            except OSError:
                time.sleep(0.2)
            else:
                return
        raise RuntimeError(f"gunicorn {app} did not answer within 60 s")

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each worker process, in MB."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        sizes = []
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text()
            sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
        return sizes

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()


def wrk_path() -> str:
    """The wrk binary, installed from the Debian package when missing and allowed; otherwise say how."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk not found: installing the Debian package (apt-get install wrk)", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, check=False, capture_output=True)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed: install it with `sudo apt-get install wrk` (Debian/Ubuntu) and run again")
    return found


def wrk(url: str, script: str, args: list[str], seconds: float) -> Load:
    """Run wrk with one of the lua scripts against url for seconds; parse its JSON summary."""
    command = [wrk_path(), *WRK, f"-d{max(1, round(seconds))}s", "-s", str(LUA / script), url, "--", *args]
    env = dict(os.environ, PB_BENCH_LUA=str(LUA))
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    figures = json.loads(line.removeprefix("WRKJSON "))
    return Load(
        rate=figures["requests"] / figures["seconds"],
        p50=figures["p50_ms"],
        p99=figures["p99_ms"],
        errors=figures["status_errors"] + figures["socket_errors"],
        requests=figures["requests"],
    )


def pgbench(database_url: str, seconds: float, scale: int = 10) -> float:
    """TPC-B transactions/s of `pgbench -c8 -j2` on its own database (initialised with pgbench -i)."""
    binary = shutil.which("pgbench")
    if not binary:
        raise SystemExit("pgbench is needed: it comes with the PostgreSQL client (apt-get install postgresql-client)")
    subprocess.run([binary, "-i", "-q", "-s", str(scale), database_url], check=True, capture_output=True)
    out = subprocess.run(
        [binary, "-c", "8", "-j", "2", "-T", f"{max(1, round(seconds))}", database_url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(re.search(r"tps = ([\d.]+)", out).group(1))
