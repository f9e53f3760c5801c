"""Flask commands: seed-demo, create-user; features add their own groups (ledger, points, ...)."""

from __future__ import annotations

from importlib import import_module

import click
from flask import Flask
from flask.cli import with_appcontext

from pointsbank.db import run_in_unit

FEATURE_CLIS = (
    "ledger",
    "rules",
    "activities",
    "reports",
    "stations",
    "insights",
    "audit",
    "jobs",
    "notices",
    "objections",
)


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_user_command)
    for name in FEATURE_CLIS:
        try:
            module = import_module(f"pointsbank.{name}.cli")
        except ModuleNotFoundError as exc:
            if exc.name != f"pointsbank.{name}.cli":
                raise
            continue
        module.register(app)


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Seed the demo community (safe to run again) and print the demo logins."""
    from pointsbank.seed import DEMO_PASSWORD, seed_all

    logins = run_in_unit(seed_all)
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for role, phone, name in logins:
        click.echo(f"  {role:<12} {phone}  {name}")


@click.command("create-user")
@click.option("--phone", required=True)
@click.option("--name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", type=click.Choice(["resident", "coordinator", "clerk", "admin"]), default="resident")
@click.option("--community-id", type=click.IntRange(1, 2**31 - 1), default=None)
@click.option("--station-id", type=click.IntRange(1, 2**31 - 1), default=None)
@with_appcontext
def create_user_command(phone, name, password, role, community_id, station_id) -> None:
    """Create a user, optionally with a role."""
    from pointsbank.errors import DomainError, NotFound
    from pointsbank.extensions import db
    from pointsbank.people.models import Community
    from pointsbank.people.service import create_user, grant_role
    from pointsbank.stations.models import Station

    def work():
        community = db.session.get(Community, community_id) if community_id else None
        if community_id and community is None:
            raise NotFound("community_not_found")
        if station_id and db.session.get(Station, station_id) is None:
            raise NotFound("station_not_found")
        user = create_user(phone, name, password, community=community if role == "resident" else None)
        if role != "resident":
            grant_role(user, role, community=community, station_id=station_id)
        return user.id

    try:
        user_id = run_in_unit(work)
    except DomainError as err:
        raise click.ClickException(f"{err.code}: {err.message}") from err
    click.echo(f"created user {user_id}")
