"""Flask commands for reports: `flask reports autoclose`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from pointsbank.db import run_in_unit

reports_cli = AppGroup("reports", help="Resident reports (随手拍).")


@reports_cli.command("autoclose")
@click.option(
    "--days",
    type=click.IntRange(1, 365),
    default=7,
    show_default=True,
    help="Close reports resolved this many days ago that the reporter did not rate.",
)
def autoclose_command(days: int) -> None:
    """Close resolved reports the reporter did not rate within DAYS days."""
    from pointsbank.reports import service

    closed = run_in_unit(lambda: service.autoclose(days))
    click.echo(f"closed {closed} reports")


def register(app: Flask) -> None:
    """Add the `reports` command group."""
    app.cli.add_command(reports_cli)
