"""flask insights ...: print a week's champions, export its awards as CSV, roll up the dashboards' days."""

from __future__ import annotations

import sys

import click
from flask import Flask

from pointsbank.errors import DomainError
from pointsbank.insights import service as insights


@click.group("insights")
def insights_group() -> None:
    """Weekly champions and award exports."""


def _week(text: str | None) -> insights.Week:
    try:
        return insights.parse_week(text)
    except DomainError as err:
        raise click.BadParameter(str(err.message), param_hint="--week") from err


@insights_group.command("champions")
@click.argument("community_id", type=int)
@click.option("--week", "week_text", default=None, help="ISO week such as 2026-W47 (default: this week).")
@click.option("--limit", default=insights.CHAMPIONS_LIMIT, show_default=True, type=click.IntRange(1, 100))
def champions_command(community_id: int, week_text: str | None, limit: int) -> None:
    """Print the week's top residents (full names: for the community office)."""
    week = _week(week_text)
    click.echo(f"{week.label} ({week.monday} – {week.sunday})")
    for c in insights.champions(community_id, week, limit=limit):
        click.echo(f"{c.rank}\t{c.name}\t{c.points}\t{c.awards}")


@insights_group.command("awards-csv")
@click.argument("community_id", type=int)
@click.option("--week", "week_text", default=None, help="ISO week such as 2026-W47 (default: this week).")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None, help="File (default: stdout)."
)
def awards_csv_command(community_id: int, week_text: str | None, output: str | None) -> None:
    """Write the week's awards as CSV (UTF-8 with BOM, opens in Excel)."""
    body = insights.awards_csv(community_id, _week(week_text))
    if output:
        with open(output, "wb") as fh:
            fh.write(body)
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()


@insights_group.command("rollup")
@click.option("--rebuild", is_flag=True, help="Recompute every community's rollups from the entries.")
def rollup_command(rebuild: bool) -> None:
    """Roll the dashboards' daily figures up to today (the `rollups` job does this every hour)."""
    from pointsbank.db import run_in_unit, utcnow
    from pointsbank.insights.rollup import roll_all

    done = run_in_unit(lambda: roll_all(utcnow(), fresh=rebuild))
    click.echo(f"{done['communities']} communities, {done['days']} days rolled up")


def register(app: Flask) -> None:
    """Add the insights command group."""
    app.cli.add_command(insights_group)
