"""Benchmark data: N residents with M ledger entries each, written in bulk (consistent with the ledger's rules).

    python -m bench.small_dataset --residents 200 --entries 500 [--url sqlite:///bench.db]

PB_BENCH_DATABASE_URL (or --url) chooses the database; the default is a SQLite file in a temporary folder.
Each entry is one award transfer (issuance -> resident) with correct balance_after and cached balances, so
`flask ledger verify` passes on the result.
"""

from __future__ import annotations

import argparse
import os
from datetime import timedelta

import sqlalchemy as sa

MEMOS = ["志愿活动：楼道清扫 2 小时", "随手拍：井盖破损（已受理）", "志愿活动：敬老院陪伴 3 小时", "兑换：大米 5kg ×1"]


def build(residents: int, entries: int) -> list[int]:
    """Create one community with `residents` residents of `entries` entries each; returns their user ids."""
    from pointsbank.db import run_in_unit, utcnow
    from pointsbank.extensions import db
    from pointsbank.ledger.models import Account, Entry, Transfer
    from pointsbank.people.models import User
    from pointsbank.people.service import get_or_create_community

    community = run_in_unit(lambda: get_or_create_community("沙坪坝区", "覃家岗街道", "基准社区", ["第一网格"]))
    now = utcnow()
    with db.engine.begin() as conn:
        base = conn.execute(sa.select(sa.func.coalesce(sa.func.max(User.id), 0))).scalar_one()
        users = [
            {
                "id": base + i + 1,
                "phone": f"166{base + i + 1:08d}",
                "name": f"居民{i + 1}",
                "password_hash": "!",
                "active": True,
                "community_id": community.id,
                "elder_mode": False,
                "created_at": now,
            }
            for i in range(residents)
        ]
        conn.execute(sa.insert(User.__table__), users)
        account_base = conn.execute(sa.select(sa.func.coalesce(sa.func.max(Account.id), 0))).scalar_one()
        issuance_id = account_base + 1
        accounts = [
            {
                "id": issuance_id,
                "kind": "issuance",
                "owner_key": f"issuance:{community.id}",
                "owner_user_id": None,
                "community_id": community.id,
                "balance": 0,
                "held": 0,
                "created_at": now,
            }
        ]
        accounts += [
            {
                "id": issuance_id + 1 + i,
                "kind": "resident",
                "owner_key": f"resident:{u['id']}",
                "owner_user_id": u["id"],
                "community_id": community.id,
                "balance": 0,
                "held": 0,
                "created_at": now,
            }
            for i, u in enumerate(users)
        ]
        conn.execute(sa.insert(Account.__table__), accounts)
        transfer_id = conn.execute(sa.select(sa.func.coalesce(sa.func.max(Transfer.id), 0))).scalar_one()
        entry_id = conn.execute(sa.select(sa.func.coalesce(sa.func.max(Entry.id), 0))).scalar_one()
        issued = 0
        for i, u in enumerate(users):
            account_id = issuance_id + 1 + i
            transfers, rows, balance = [], [], 0
            for n in range(entries):
                transfer_id += 1
                amount = 1 + (n * 7 + i) % 20
                balance += amount
                issued += amount
                transfers.append(
                    {
                        "id": transfer_id,
                        "kind": "award",
                        "idempotency_key": f"bench:{transfer_id}",
                        "request_hash": "bench",
                        "memo": MEMOS[n % len(MEMOS)],
                        "actor_id": None,
                        "created_at": now - timedelta(minutes=entries - n),
                    }
                )
                entry_id += 2
                rows.append(
                    {
                        "id": entry_id - 1,
                        "transfer_id": transfer_id,
                        "account_id": issuance_id,
                        "amount": -amount,
                        "balance_after": -issued,
                    }
                )
                rows.append(
                    {
                        "id": entry_id,
                        "transfer_id": transfer_id,
                        "account_id": account_id,
                        "amount": amount,
                        "balance_after": balance,
                    }
                )
            conn.execute(sa.insert(Transfer.__table__), transfers)
            conn.execute(sa.insert(Entry.__table__), rows)
            conn.execute(
                sa.update(Account.__table__).where(Account.__table__.c.id == account_id).values(balance=balance)
            )
        conn.execute(sa.update(Account.__table__).where(Account.__table__.c.id == issuance_id).values(balance=-issued))
    return [u["id"] for u in users]


def main() -> None:
    parser = argparse.ArgumentParser(description="Build a ledger benchmark dataset.")
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--url", default=os.environ.get("PB_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    from bench.bench_ledger import make_app

    app, _folder = make_app(args.url)
    with app.app_context():
        from pointsbank.extensions import db

        db.create_all()
        ids = build(args.residents, args.entries)
        print(f"built {len(ids)} residents with {args.entries} entries each on {db.engine.url.render_as_string()}")


if __name__ == "__main__":
    main()
