"""Flask commands: `flask jobs run` (the scheduler, foreground), `flask jobs list`, `flask jobs run-once NAME`."""

from __future__ import annotations

import signal
import threading

import click
from flask import Flask, current_app
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Scheduled jobs: the scheduler and single runs.")


@jobs_cli.command("run")
def run_command() -> None:
    """Run the scheduler in the foreground until interrupted (SIGINT or SIGTERM)."""
    from pointsbank.jobs.registry import schedules
    from pointsbank.jobs.scheduler import run_forever

    try:
        plan = schedules()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    click.echo("scheduler started: " + ", ".join(f"{n} ({s.text})" for n, s in plan.items()))
    run_forever(current_app._get_current_object(), stop, echo=click.echo)
    click.echo("scheduler stopped")


@jobs_cli.command("list")
def list_command() -> None:
    """Each job, its schedule and its last run."""
    from pointsbank.jobs import service

    try:
        rows = service.overview()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    for row in rows:
        last = row.last
        when = f"{last.started_at:%Y-%m-%d %H:%M} UTC {last.outcome}" if last else "never ran"
        click.echo(f"{row.name:<18} {row.schedule:<14} {when}")


@jobs_cli.command("run-once")
@click.argument("name")
def run_once_command(name: str) -> None:
    """Run one job now (under its lock) and record the run."""
    from pointsbank.jobs.registry import JOBS
    from pointsbank.jobs.runner import run_once

    if name not in JOBS:
        raise click.BadParameter(f"one of {', '.join(JOBS)}", param_hint="NAME")
    outcome = run_once(name)
    from pointsbank.jobs import service

    last = service.last_run(name)
    click.echo(f"{name}: {outcome} {last.summary if last and outcome in ('ok', 'failed') else ''}".rstrip())
    if outcome == "failed" and last and last.error:
        click.echo(last.error.splitlines()[0], err=True)
    if outcome != "ok":
        raise SystemExit(1)


def register(app: Flask) -> None:
    """Add the `flask jobs ...` commands."""
    app.cli.add_command(jobs_cli)
