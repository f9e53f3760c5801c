"""Flask commands for activities: close the ones that are over (no-shows marked)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from pointsbank.db import run_in_unit

activities_cli = AppGroup("activities", help="Volunteer activities.")


@activities_cli.command("close-ended")
def close_ended_command() -> None:
    """Close attendance of every activity that is over; absent sign-ups become no-shows."""
    from pointsbank.activities import service

    closed = run_in_unit(service.close_ended)
    click.echo(f"closed {closed} activities")


def register(app: Flask) -> None:
    """Add the `flask activities ...` commands."""
    app.cli.add_command(activities_cli)
