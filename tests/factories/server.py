"""A real gunicorn serving the app on a test database, and many HTTP requests released at once."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(
    database_url: str,
    secret_key: str,
    tmp_path: Path,
    *,
    worker_class: str = "sync",
    workers: int = 2,
    threads: int = 1,
):
    """Serve wsgi:app with gunicorn on 127.0.0.1; yields the port. The log is shown if it fails to start."""
    port = _free_port()
    env = dict(
        os.environ,
        PB_DATABASE_URL=database_url,
        PB_SECRET_KEY=secret_key,
        PB_INSTANCE_PATH=str(tmp_path / "server-instance"),
        PB_UPLOAD_DIR=str(tmp_path / "server-uploads"),
        PB_RATELIMIT_DISABLED="1",
    )
    log = open(tmp_path / "gunicorn.log", "w+b")  # noqa: SIM115  (closed below)
    args = [sys.executable, "-m", "gunicorn", "--no-control-socket", "-w", str(workers), "-k", worker_class]
    if worker_class == "gthread":
        args += ["--threads", str(threads)]
    args += ["-b", f"127.0.0.1:{port}", "--timeout", "120", "--backlog", "2048", "wsgi:app"]
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = request(port, "GET", "/api/v1/openapi.json")
                if status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError("gunicorn did not start:\n" + log.read().decode(errors="replace")[-3000:])
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def request(port: int, method: str, path: str, body: dict | None = None, headers: dict | None = None):
    """One HTTP request; (status, parsed JSON body or None)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        raw = response.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return response.status, parsed
    finally:
        conn.close()


def all_at_once(port: int, calls: list[tuple[str, str, dict, dict]]) -> list[tuple[int, dict | None]]:
    """Send every (method, path, body, headers) from its own thread, released together; answers in order."""
    start = threading.Event()
    answers: list = [None] * len(calls)

    def run(i: int, call) -> None:
        start.wait()
        try:
            answers[i] = request(port, *call)
        except OSError as exc:
            answers[i] = (0, {"error": {"code": f"connection:{exc}"}})

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    start.set()
    for t in threads:
        t.join(timeout=300)
    return answers
