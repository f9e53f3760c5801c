"""Ledger commands: `flask ledger seal|verify|expire-holds` and `flask points expire`."""

from __future__ import annotations

import sys
import time
from datetime import datetime

import click
from flask import Flask
from flask.cli import AppGroup

from pointsbank.db import run_in_unit

ledger_group = AppGroup("ledger", help="Seal and verify the ledger; expire holds.")
points_group = AppGroup("points", help="Points housekeeping: expiry.")


@ledger_group.command("seal")
def seal_command() -> None:
    """Seal every transfer since the last seal with a chained hash."""
    from pointsbank.ledger.seal import seal

    result = run_in_unit(seal)
    if result is None:
        click.echo("nothing new to seal")
    else:
        click.echo(
            f"seal {result.id}: {result.transfer_count} transfers up to {result.last_transfer_id}, hash {result.hash}"
        )


@ledger_group.command("verify")
@click.option(
    "--against",
    "against",
    default=None,
    metavar="HASH",
    help="A published seal's hash (full, or the first 12 characters printed on the board): it must be in the chain.",
)
def verify_command(against: str | None) -> None:
    """Re-add every transfer and balance and re-check the seal chain; exit 1 naming what is wrong."""
    from pointsbank.ledger.copies import copy_problems
    from pointsbank.ledger.seal import anchor_problems, short
    from pointsbank.ledger.verify import verify

    started = time.perf_counter()
    bar = _ProgressBar() if sys.stdout.isatty() else None
    report = verify(progress=bar)
    if bar is not None:
        bar.close()
    report.problems.extend(copy_problems(suspects=report.copy_suspects))
    if against is not None:
        anchor, problems = anchor_problems(against)
        report.problems.extend(problems)
        if anchor is not None:
            later = report.seals - _seal_position(anchor.id)
            click.echo(
                f"published seal {short(anchor.hash)} ({anchor.created_at:%Y-%m-%d %H:%M} UTC, "
                f"transfers up to {anchor.last_transfer_id}) is in the chain; {later} later seal(s) chain from it"
            )
    for problem in report.problems:
        click.echo(f"PROBLEM {problem}", err=True)
    summary = (
        f"checked {report.transfers} transfers, {report.accounts} accounts, {report.seals} seals "
        f"in {time.perf_counter() - started:.1f} s"
    )
    audit_ok = _audit_chain_holds()
    if not report.ok or not audit_ok:
        click.echo(f"ledger verify FAILED: {len(report.problems)} problem(s); {summary}", err=True)
        raise SystemExit(1)
    click.echo(f"ledger OK: {summary}")


def _seal_position(seal_id: int) -> int:
    """How many seals there are up to and including this one."""
    import sqlalchemy as sa

    from pointsbank.extensions import db
    from pointsbank.ledger.models import LedgerSeal

    return db.session.scalar(sa.select(sa.func.count(LedgerSeal.id)).where(LedgerSeal.id <= seal_id)) or 0


def _audit_chain_holds() -> bool:
    """The audit log's own chain, reported with the ledger's (`flask audit verify` alone checks just it)."""
    from pointsbank.audit.cli import chain_line

    ok, line = chain_line()
    click.echo(line, err=not ok)
    return ok


class _ProgressBar:
    """A one-line bar on the terminal: the sealed transfers re-hashed so far (the sums run beside it)."""

    WIDTH = 30

    def __init__(self) -> None:
        self.shown = False

    def __call__(self, label: str, done: int, total: int) -> None:
        filled = self.WIDTH * done // total if total else self.WIDTH
        text = f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {done:,}/{total:,} {label}"
        click.echo(text, nl=False)
        self.shown = True

    def close(self) -> None:
        if self.shown:
            click.echo("\r\033[K", nl=False)


@ledger_group.command("expire-holds")
def expire_holds_command() -> None:
    """End every pending hold past its expiry and release its points."""
    from pointsbank.ledger import service

    click.echo(f"expired {run_in_unit(service.expire_holds)} hold(s)")


@points_group.command("expire")
@click.option("--community-id", type=int, default=None, help="Only this community.")
@click.option("--now", "now_text", default=None, help="Pretend it is this time (ISO 8601 with offset).")
def expire_command(community_id: int | None, now_text: str | None) -> None:
    """Move expired, unspent points to each community's expiry account (safe to run twice)."""
    from pointsbank.ledger.expiry import expire_points

    try:
        now = datetime.fromisoformat(now_text) if now_text else None
    except ValueError:
        raise click.BadParameter("an ISO 8601 time, e.g. 2027-01-01T00:00:00+08:00", param_hint="--now") from None
    if now is not None and now.tzinfo is None:
        raise click.BadParameter("give a time zone offset, e.g. 2027-01-01T00:00:00+08:00", param_hint="--now")
    moved = run_in_unit(lambda: expire_points(now=now, community_id=community_id))
    click.echo(f"expired {moved} point(s)")


def register(app: Flask) -> None:
    """Add the ledger and points command groups."""
    app.cli.add_command(ledger_group)
    app.cli.add_command(points_group)
