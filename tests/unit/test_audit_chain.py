"""The audit log is a hash chain: entries append in order and any change to one is found."""

import sqlalchemy as sa

from pointsbank.audit import service as audit
from pointsbank.audit.models import AuditEntry
from pointsbank.db import run_in_unit
from pointsbank.extensions import db


def test_entries_chain_and_verify(app):
    with app.app_context():
        first = run_in_unit(lambda: audit.record("test.first", actor_id=None, details={"n": 1}))
        second = run_in_unit(lambda: audit.record("test.second", actor_id=None, subject=("user", 7)))
        assert first.prev_hash == audit.GENESIS
        assert second.prev_hash == first.hash
        assert audit.verify().ok and audit.verify().checked == 2


def test_a_changed_entry_breaks_the_chain(app):
    with app.app_context():
        run_in_unit(lambda: audit.record("test.a", actor_id=None, details={"who": "张三"}))
        entry = run_in_unit(lambda: audit.record("test.b", actor_id=None, details={"n": 2}))
        db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == entry.id).values(details={"n": 3}))
        db.session.commit()
        check = audit.verify()
        assert not check.ok and check.broken_at == entry.id
