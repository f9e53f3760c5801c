"""Real threads released together against one app: count what each job answered."""

from __future__ import annotations

import threading
from collections import Counter


def race(app, jobs) -> tuple[Counter, list]:
    """Run every job in its own thread, app context and session; (outcome counts, ids of what each ok job returned)."""
    from pointsbank.db import run_in_unit
    from pointsbank.errors import DomainError
    from pointsbank.extensions import db

    start = threading.Event()
    outcomes: list[str] = []
    ids: list = []
    lock = threading.Lock()

    def run(job):
        result_id, outcome = None, "ok"
        with app.app_context():
            start.wait()
            try:
                result_id = getattr(run_in_unit(job), "id", None)
            except DomainError as err:
                outcome = err.code
            except Exception as exc:  # noqa: BLE001  (anything else is a bug the test must show)
                outcome = f"crash:{type(exc).__name__}:{exc}"[:200]
            finally:
                db.session.remove()
        with lock:
            outcomes.append(outcome)
            if outcome == "ok":
                ids.append(result_id)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    start.set()
    for t in threads:
        t.join(timeout=180)
    assert all(not t.is_alive() for t in threads)
    return Counter(outcomes), ids
