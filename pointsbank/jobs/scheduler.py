"""The scheduler: a small loop that ticks at the start of every minute until it is stopped."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask import Flask

from pointsbank.extensions import db
from pointsbank.jobs.runner import new_holder, tick

log = logging.getLogger("pointsbank.jobs")


def seconds_to_next_minute(now: float | None = None) -> float:
    """Seconds until one second past the next full minute (slots start on the minute)."""
    now = time.time() if now is None else now
    return 61 - now % 60


def run_forever(app: Flask, stop: threading.Event, *, echo: Callable[[str], None] | None = None) -> None:
    """Tick, then wait for the next minute, until stop is set; a failing tick is logged and the loop goes on."""
    holder = new_holder()
    while not stop.is_set():
        with app.app_context():
            try:
                outcomes = tick(holder=holder)
            except Exception:
                log.exception("scheduler tick failed")
                outcomes = {}
            finally:
                db.session.remove()
        for name, outcome in outcomes.items():
            line = f"{name}: {outcome}"
            log.info(line)
            if echo:
                echo(line)
        stop.wait(seconds_to_next_minute())
