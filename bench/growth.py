"""Growth: the same requests at each district size, for one community (requests/s or ms per request)."""

from __future__ import annotations

import statistics
import time
import urllib.request
from pathlib import Path

from bench.dataset import District
from bench.fixtures import Fixtures, issue_codes
from bench.load import Server, wrk

STATEMENT_PER_PAGE = 20  # the balance page's statement lines per page

UNITS = {
    "balance page /ledger/": "req/s",
    "redemption": "req/s",
    "statement first page (5,010 entries)": "ms",
    "statement last page": "ms",
    "coordinator dashboard": "ms",
    "weekly champions": "ms",
    "public board": "ms",
    "awards CSV export": "ms",
}


_last_rate: list[float] = []  # redemptions/s of the runs so far


def timed_get(url: str, cookie: str, repeat: int) -> float:
    """Median milliseconds of `repeat` GETs (after one warm-up); fails loudly on a non-200 answer."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    times = []
    for i in range(repeat + 1):
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{url} answered {response.status}")
        if i:
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def warm(server: Server, gets: list[tuple[str, dict]], rounds: int = 6) -> None:
    """A few requests of each kind first, so every worker has loaded its code and templates."""
    for _ in range(rounds):
        for path, headers in gets:
            try:
                urllib.request.urlopen(urllib.request.Request(server.url + path, headers=headers), timeout=60).read()
            except OSError:
                pass


def cookie_file(folder: Path, name: str, values: list[str], header: str = "Cookie") -> Path:
    path = folder / name
    path.write_text("".join(f"{header}: {v}\n" for v in values))
    return path


def redemption_load(
    app, server: Server, fixtures: Fixtures, residents: list[int], folder: Path, seconds: float, tag: str
):
    """wrk posting redemptions, each with a fresh pay code issued just before (one per resident)."""
    path = f"/api/v1/stations/{fixtures.station_id}/redemptions"
    auth = f"Bearer {fixtures.clerk_token}"
    warm_bodies = issue_codes(app, residents[-8:], fixtures, folder / f"warm-{tag}").read_text().splitlines()
    for i, body in enumerate(warm_bodies):
        headers = {"Authorization": auth, "Content-Type": "application/json", "Idempotency-Key": f"warm-{tag}-{i}"}
        try:
            request = urllib.request.Request(server.url + path, data=body.encode(), headers=headers, method="POST")
            urllib.request.urlopen(request, timeout=60).read()
        except OSError:
            pass
    residents = residents[:-8]
    if _last_rate:  # issue what the last run could use, with room to spare (issuing is not timed but is slow)
        residents = residents[: max(500, int(max(_last_rate) * seconds * 4))]
    bodies = issue_codes(app, residents, fixtures, folder / f"codes-{tag}")
    load = wrk(server.url + path, "post.lua", [path, str(bodies), auth, "2", tag], seconds)
    if load.requests > len(residents):
        print(f"note: {load.requests} redemptions for {len(residents)} codes: reused codes count as errors")
    _last_rate.append(load.rate)
    return load


def measure(
    app,
    server: Server,
    fixtures: Fixtures,
    district: District,
    folder: Path,
    seconds: float,
    repeat: int,
    residents: list[int],
) -> dict[str, float]:
    """Every growth figure at this district size."""
    warm(server, [("/ledger/", {"Cookie": fixtures.cookies[0]})])
    cookies = cookie_file(folder, "cookies-growth", fixtures.cookies)
    page = wrk(server.url + "/ledger/", "get.lua", ["/ledger/", str(cookies)], seconds)
    redemption = redemption_load(app, server, fixtures, residents, folder, seconds, f"g{district.residents}")
    base = server.url
    coordinator = fixtures.coordinator_cookie
    return {
        "balance page /ledger/": page.rate,
        "redemption": redemption.rate,
        "statement first page (5,010 entries)": timed_get(f"{base}/ledger/", fixtures.busy_cookie, repeat),
        # The statement is keyset-paged: ?after=0 is its oldest (last) page.
        "statement last page": timed_get(f"{base}/ledger/?after=0", fixtures.busy_cookie, repeat),
        "coordinator dashboard": timed_get(f"{base}/insights/communities/1/dashboard", coordinator, repeat),
        "weekly champions": timed_get(f"{base}/insights/communities/1/champions", coordinator, repeat),
        "public board": timed_get(f"{base}/insights/communities/1/board", coordinator, repeat),
        "awards CSV export": timed_get(f"{base}/insights/communities/1/awards.csv", coordinator, repeat),
    }
