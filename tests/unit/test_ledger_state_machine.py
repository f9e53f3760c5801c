"""Acceptance 5: a Hypothesis state machine runs the real ledger against a simple model after every step."""

from __future__ import annotations

import itertools
from datetime import timedelta

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from pointsbank.db import run_in_unit, utcnow
from pointsbank.errors import Conflict, Refused
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from tests.factories.ledger import ledger_totals

points = st.integers(min_value=1, max_value=60)


def run_ledger_machine(make_user, make_community, ledger_station, max_examples: int = 15) -> None:
    """Run the state machine against the current app's database."""
    counter = itertools.count(1)

    class LedgerMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            community = make_community()
            self.residents = [make_user(community=community) for _ in range(2)]
            self.accounts = [run_in_unit(lambda r=r: ledger.resident_account(r)) for r in self.residents]
            self.station = run_in_unit(lambda: ledger.station_account(ledger_station(community).id, community.id))
            self.balance = [0, 0]
            self.held = [0, 0]
            self.holds: list[dict] = []  # {"hold", "who", "amount", "status", "past"}
            self.transfers: list[dict] = []  # {"transfer", "legs": {who: amount}, "reversed"}
            self.done: list[tuple] = []  # (callable, expected id) for retries with the same key

        def key(self, name: str) -> str:
            return f"sm:{name}:{next(counter)}"

        def _record(self, call, result_id):
            self.done.append((call, result_id))

        @rule(who=st.integers(0, 1), amount=points)
        def earn(self, who, amount):
            key = self.key("earn")
            call = lambda: ledger.award(self.accounts[who], amount, key=key, actor_id=None, memo="志愿活动")
            t = run_in_unit(call)
            self.balance[who] += amount
            self.transfers.append({"transfer": t, "legs": {who: amount}, "reversed": False})
            self._record(call, t.id)

        @rule(who=st.integers(0, 1), amount=points)
        def spend(self, who, amount):
            key = self.key("spend")
            call = lambda: ledger.spend(
                self.accounts[who], self.station.station_id, amount, key=key, actor_id=None, memo="兑换"
            )
            if self.balance[who] - self.held[who] < amount:
                self._refused(call)
                return
            t = run_in_unit(call)
            self.balance[who] -= amount
            self.transfers.append({"transfer": t, "legs": {who: -amount}, "reversed": False})
            self._record(call, t.id)

        @rule(who=st.integers(0, 1), amount=points, past=st.booleans())
        def hold(self, who, amount, past):
            key = self.key("hold")
            expires = utcnow() + (timedelta(seconds=-1) if past else timedelta(hours=1))
            call = lambda: ledger.hold(self.accounts[who], amount, key=key, expires_at=expires, memo="预约")
            if self.balance[who] - self.held[who] < amount:
                self._refused(call)
                return
            h = run_in_unit(call)
            self.held[who] += amount
            self.holds.append({"hold": h, "who": who, "amount": amount, "status": "pending", "past": past})
            self._record(call, h.id)

        @precondition(lambda self: self.holds)
        @rule(data=st.data())
        def post(self, data):
            h = data.draw(st.sampled_from(self.holds))
            key = self.key("post")
            call = lambda: ledger.post_hold(h["hold"], self.station, key=key, actor_id=None)
            if h["status"] != "pending":
                self._closed(call)
                return
            t = run_in_unit(call)
            h["status"] = "posted"
            self.held[h["who"]] -= h["amount"]
            self.balance[h["who"]] -= h["amount"]
            self.transfers.append({"transfer": t, "legs": {h["who"]: -h["amount"]}, "reversed": False})
            self._record(call, t.id)

        @precondition(lambda self: self.holds)
        @rule(data=st.data())
        def void(self, data):
            h = data.draw(st.sampled_from(self.holds))
            call = lambda: ledger.void_hold(h["hold"])
            if h["status"] != "pending":
                self._closed(call)
                return
            run_in_unit(call)
            h["status"] = "voided"
            self.held[h["who"]] -= h["amount"]

        @rule()
        def expire(self):
            due = [h for h in self.holds if h["status"] == "pending" and h["past"]]
            # holds left pending by earlier examples (other residents) may expire here too
            assert run_in_unit(lambda: ledger.expire_holds()) >= len(due)
            for h in due:
                h["status"] = "expired"
                self.held[h["who"]] -= h["amount"]

        @precondition(lambda self: self.transfers)
        @rule(data=st.data())
        def reverse(self, data):
            t = data.draw(st.sampled_from(self.transfers))
            key = self.key("reverse")
            call = lambda: ledger.reverse(t["transfer"], key=key, actor_id=None, reason="测试撤销")
            if t["reversed"]:
                with_code = self._expect(call, Conflict)
                assert with_code == "already_reversed"
                return
            needs = {who: -amount for who, amount in t["legs"].items()}
            if any(self.balance[w] - self.held[w] + d < 0 for w, d in needs.items()):
                self._refused(call)
                return
            r = run_in_unit(call)
            t["reversed"] = True
            for w, d in needs.items():
                self.balance[w] += d
            self._record(call, r.id)

        @precondition(lambda self: self.done)
        @rule(data=st.data())
        def retry_same_key(self, data):
            call, expected = data.draw(st.sampled_from(self.done))
            assert run_in_unit(call).id == expected

        def _expect(self, call, error):
            try:
                run_in_unit(call)
            except error as exc:
                return exc.code
            raise AssertionError(f"expected {error.__name__}")

        def _refused(self, call):
            assert self._expect(call, Refused) == "insufficient_points"

        def _closed(self, call):
            assert self._expect(call, Conflict) == "hold_closed"

        @invariant()
        def matches_model(self):
            db.session.rollback()
            for i, account in enumerate(self.accounts):
                assert ledger.balance(account) == (self.balance[i], self.held[i], self.balance[i] - self.held[i])
            assert ledger_totals() == (0, {}, [])

    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=max_examples,
            stateful_step_count=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


def test_ledger_matches_a_simple_model(app, make_user, make_community, ledger_station):
    run_ledger_machine(make_user, make_community, ledger_station, max_examples=15)
