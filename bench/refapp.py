"""Reference apps under the same gunicorn settings: a bare JSON endpoint and a minimal Flask-SQLAlchemy spend.

    gunicorn bench.refapp:bare      GET /     -> {"ok": true}
    gunicorn bench.refapp:spend     POST /spend {"account": id} -> lock the account, check, update, insert an entry

The spend app uses PB_BENCH_REF_URL (a database of its own; it creates its two tables and ACCOUNTS accounts).
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy

ACCOUNTS = 10_000

bare = Flask("bare")


@bare.get("/")
def hello():
    return jsonify(ok=True)


def _spend_app() -> Flask:
    app = Flask("spend")
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("PB_BENCH_REF_URL", "sqlite://")
    db = SQLAlchemy(app)

    class RefAccount(db.Model):
        __tablename__ = "ref_account"
        id = db.Column(db.Integer, primary_key=True)
        balance = db.Column(db.BigInteger, nullable=False)

    class RefEntry(db.Model):
        __tablename__ = "ref_entry"
        id = db.Column(db.Integer, primary_key=True)
        account_id = db.Column(db.ForeignKey("ref_account.id"), nullable=False, index=True)
        amount = db.Column(db.BigInteger, nullable=False)
        balance_after = db.Column(db.BigInteger, nullable=False)

    @app.post("/spend")
    def spend():
        account_id = int(request.get_json()["account"])
        account = db.session.scalar(sa.select(RefAccount).where(RefAccount.id == account_id).with_for_update())
        if account is None or account.balance < 1:
            return jsonify(error="insufficient_points"), 422
        account.balance -= 1
        db.session.add(RefEntry(account_id=account.id, amount=-1, balance_after=account.balance))
        balance = account.balance
        db.session.commit()
        return jsonify(balance=balance), 201

    app.extensions["ref_models"] = (db, RefAccount)
    return app


def create_reference_tables() -> None:
    """Create the spend app's tables and accounts (run once before its load)."""
    app = _spend_app()
    db, account = app.extensions["ref_models"]
    with app.app_context():
        db.create_all()
        db.session.execute(sa.insert(account), [{"id": i, "balance": 10**9} for i in range(1, ACCOUNTS + 1)])
        db.session.commit()


spend = _spend_app() if os.environ.get("PB_BENCH_REF_URL") else None
