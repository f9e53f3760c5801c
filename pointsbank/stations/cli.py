"""Flask commands: `flask stations expire-reservations`, `flask stations check-stock`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from pointsbank.db import run_in_unit

stations_cli = AppGroup("stations", help="Stations: reservations and stock.")


@stations_cli.command("expire-reservations")
def expire_reservations_command() -> None:
    """Expire unclaimed reservations: release their points and stock."""
    from pointsbank.stations.service import expire_reservations

    count = run_in_unit(expire_reservations)
    click.echo(f"expired {count} reservations")


@stations_cli.command("check-stock")
def check_stock_command() -> None:
    """Check that every item's stock equals the sum of its movements."""
    from pointsbank.stations.service import stock_mismatches

    mismatches = stock_mismatches()
    for item_id, stock, total in mismatches:
        click.echo(f"item {item_id}: stock {stock} but movements add up to {total}")
    if mismatches:
        raise SystemExit(1)
    click.echo("stock movements add up")


def register(app: Flask) -> None:
    """Add the stations command group."""
    app.cli.add_command(stations_cli)
