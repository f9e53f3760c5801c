"""Ledger accounts: finding and creating them, their balances, and who may see or act on them."""

from __future__ import annotations

from typing import Any, NamedTuple

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from pointsbank.errors import Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.ledger.models import Account

Subject = tuple[str | None, int | None] | None


AccountRef = Account | int


COMMUNITY_KINDS = ("issuance", "fund", "expiry")


_account = Account.__table__


class Balance(NamedTuple):
    """An account's cached balance, the points on hold, and what is available to spend."""

    balance: int
    on_hold: int
    available: int


def _get_or_create(owner_key: str, **fields: Any) -> Account:
    """Race-safe get-or-create on the unique owner_key."""
    account = db.session.scalar(sa.select(Account).where(Account.owner_key == owner_key))
    if account is not None:
        return account
    try:
        with db.session.begin_nested():
            account = Account(owner_key=owner_key, balance=0, held=0, **fields)
            db.session.add(account)
            db.session.flush()
        return account
    except IntegrityError:
        account = db.session.scalar(sa.select(Account).where(Account.owner_key == owner_key))
        if account is None:
            raise
        return account


def resident_account(user: Any) -> Account:
    """The resident's account (created on first use) in the resident's community."""
    if isinstance(user, Account):
        return user
    if user.community_id is None:
        raise Refused("not_a_resident", _l("This person has no community, so no points account."))
    return _get_or_create(f"resident:{user.id}", kind="resident", owner_user_id=user.id, community_id=user.community_id)


def find_resident_account(user: Any) -> Account | None:
    """The resident's account if it exists (reads never create one)."""
    return db.session.scalar(sa.select(Account).where(Account.owner_key == f"resident:{user.id}"))


def find_resident_account_with_policy(user: Any) -> tuple[Account | None, str]:
    """The resident's account (if any) and its community's expiry policy: loaded with the logged-in user (no
    query), else in one query."""
    from pointsbank.people.models import Community

    loaded = sa.inspect(user).attrs.resident_account.loaded_value
    if isinstance(loaded, Account) and user.community is not None and loaded.community_id == user.community_id:
        return loaded, user.community.expiry_policy or "none"
    row = db.session.execute(
        sa.select(Account, Community.expiry_policy)
        .outerjoin(Community, Community.id == Account.community_id)
        .where(Account.owner_key == f"resident:{user.id}")
    ).first()
    return (row[0], row[1] or "none") if row is not None else (None, "none")


def community_account(community_id: int, kind: str) -> Account:
    """A community's issuance, fund or expiry account (created on first use)."""
    if kind not in COMMUNITY_KINDS:
        raise Invalid("invalid_account_kind", _l("Unknown account kind."))
    return _get_or_create(f"{kind}:{community_id}", kind=kind, community_id=community_id)


def station_account(station_id: int, community_id: int | None = None) -> Account:
    """A station's account, where spent points go; created on first use when the caller gives the community."""
    existing = db.session.scalar(sa.select(Account).where(Account.owner_key == f"station:{station_id}"))
    if existing is not None:
        return existing
    if community_id is None:
        raise NotFound("station_not_found")
    return _get_or_create(f"station:{station_id}", kind="station", station_id=station_id, community_id=community_id)


def spend_accounts(resident_id: int, station_id: int) -> tuple[Account | None, Account | None]:
    """The resident's and the station's accounts in one query (None where one does not exist yet)."""
    keys = {f"resident:{resident_id}": 0, f"station:{station_id}": 1}
    found: list[Account | None] = [None, None]
    for account in db.session.scalars(sa.select(Account).where(Account.owner_key.in_(keys))):
        found[keys[account.owner_key]] = account
    return found[0], found[1]


def get_account(account_id: int) -> Account | None:
    """An account by id, or None."""
    return db.session.get(Account, account_id)


def _account_id(ref: AccountRef) -> int:
    return ref if isinstance(ref, int) else ref.id


def balance(account: AccountRef | None) -> Balance:
    """The account's balance, points on hold and available points (one indexed read)."""
    if account is None:
        return Balance(0, 0, 0)
    row = db.session.execute(
        sa.select(_account.c.balance, _account.c.held).where(_account.c.id == _account_id(account))
    ).first()
    if row is None:
        return Balance(0, 0, 0)
    return Balance(row.balance, row.held, row.balance - row.held)


def balance_of(account: Account | None) -> Balance:
    """The balance of an account row loaded in this transaction (no query; the ledger keeps it in sync)."""
    if account is None:
        return Balance(0, 0, 0)
    return Balance(account.balance, account.held, account.balance - account.held)


def account_in_scope(user: Any, account_id: int) -> Account:
    """The account if the user may see it (own account; coordinator's communities; admin), else NotFound."""
    account = db.session.get(Account, account_id)
    if account is None or not can_see(user, account):
        raise NotFound()
    return account


def can_see(user: Any, account: Account) -> bool:
    """Residents see their own account; coordinators the accounts of their communities; admins all."""
    if account.kind == "resident" and account.owner_user_id == user.id:
        return True
    return bool(user.is_admin or (account.community_id and account.community_id in user.coordinated_community_ids()))


def _require_coordinator(user: Any, community_id: int) -> None:
    if user is None or not (user.is_admin or community_id in user.coordinated_community_ids()):
        raise NotFound()


def _not_own(actor: Any, owner_user_id: int | None) -> None:
    """Nobody decides on points for their own account (a coordinator may also be a resident)."""
    if owner_user_id is not None and owner_user_id == actor.id:
        raise Refused("own_account", _l("You cannot decide on points for your own account; ask another coordinator."))
