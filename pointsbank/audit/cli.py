"""Audit commands: `flask audit verify`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

audit_group = AppGroup("audit", help="Check the audit log.")


def chain_line() -> tuple[bool, str]:
    """Whether the audit chain holds, and a line saying so."""
    from pointsbank.audit import service

    check = service.verify()
    if check.ok:
        return True, f"audit log OK: {check.checked} entries chained"
    return False, f"audit log BROKEN at entry {check.broken_at} (after {check.checked} good entries)"


@audit_group.command("verify")
def verify_command() -> None:
    """Re-check the audit log's hash chain; exit 1 naming the first entry that was changed."""
    ok, line = chain_line()
    click.echo(line, err=not ok)
    if not ok:
        raise SystemExit(1)


def register(app: Flask) -> None:
    app.cli.add_command(audit_group)
