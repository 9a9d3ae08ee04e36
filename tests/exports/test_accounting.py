"""The rule of what an export holds (DOMAIN §9, worked example 14), pure."""

from __future__ import annotations

import doctest
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regie.core.errors import DomainError
from regie.exports import accounting
from regie.exports.accounting import (
    CREDIT_NOTE,
    INVOICE,
    ORIGINAL,
    REISSUE,
    REVERSAL,
    Source,
    exported_after,
    plan,
    range_check,
)


def test_accounting_doctests():
    assert doctest.testmod(accounting).failed == 0


def invoice(key: str, number: str, day: date, cents: int, version: str = "v1", changed=None):
    return Source(key, INVOICE, number, day, cents, version, changed)


def test_worked_example_14_credit_and_reissue_travel_as_new_documents():
    """An invoice of 50.00 exported on 2026-04-02, credited and reissued at 45.00 on
    2026-04-20: the export of 2026-05-02 holds a credit note of 50.00 and an invoice of
    45.00, and nothing else of it."""
    a = invoice("invoice:1", "FACT/2026/00001", date(2026, 3, 30), 5000)
    first = plan([a], {}, date(2026, 3, 1), date(2026, 4, 2))
    assert [(i.number, i.amount_cents) for i in first] == [("FACT/2026/00001", 5000)]

    credit = Source("invoice:2", CREDIT_NOTE, "NC/2026/00001", date(2026, 4, 20), 5000, "v1")
    b = invoice("invoice:3", "FACT/2026/00002", date(2026, 4, 20), 4500)
    second = plan([a, credit, b], exported_after([], first), date(2026, 4, 3), date(2026, 5, 2))

    assert [(i.number, i.action, i.amount_cents) for i in second] == [
        ("NC/2026/00001", ORIGINAL, -5000),
        ("FACT/2026/00002", ORIGINAL, 4500),
    ]


def test_worked_example_14_four_months_refused_naming_the_limit():
    with pytest.raises(DomainError) as refused:
        range_check(date(2026, 1, 1), date(2026, 4, 2))
    assert refused.value.code == "export.range_too_long"
    assert "3 months" in refused.value.english()
    range_check(date(2026, 1, 1), date(2026, 3, 31))  # three months exactly: accepted


def test_a_range_ending_before_it_starts_is_refused():
    with pytest.raises(DomainError) as refused:
        range_check(date(2026, 2, 1), date(2026, 1, 31))
    assert refused.value.code == "export.range_reversed"


def test_exporting_the_same_period_again_holds_only_what_is_new():
    a = invoice("invoice:1", "FACT/2026/00001", date(2026, 3, 3), 5000)
    first = plan([a], {}, date(2026, 3, 1), date(2026, 3, 31))
    b = invoice("invoice:2", "FACT/2026/00002", date(2026, 3, 20), 700)
    again = plan([a, b], exported_after([], first), date(2026, 3, 1), date(2026, 3, 31))
    assert [i.number for i in again] == ["FACT/2026/00002"]


def test_a_write_off_after_export_travels_as_credit_of_all_then_new_invoice():
    """Changed after export: a credit note of the whole amount exported, a new invoice."""
    a = invoice("invoice:1", "FACT/2026/00001", date(2026, 3, 3), 5000)
    first = plan([a], {}, date(2026, 3, 1), date(2026, 3, 31))
    written_off = invoice(
        "invoice:1", "FACT/2026/00001", date(2026, 3, 3), 3000, "v2", date(2026, 6, 10)
    )
    later = plan([written_off], exported_after([], first), date(2026, 6, 1), date(2026, 6, 30))
    assert [(i.action, i.amount_cents, i.version) for i in later] == [
        (REVERSAL, -5000, 1),
        (REISSUE, 3000, 1),
    ]


def test_a_document_settled_to_nothing_is_only_reversed():
    a = invoice("invoice:1", "FACT/2026/00001", date(2026, 3, 3), 5000)
    first = plan([a], {}, date(2026, 3, 1), date(2026, 3, 31))
    gone = invoice("invoice:1", "FACT/2026/00001", date(2026, 3, 3), 0, "v2")
    later = plan([gone], exported_after([], first), date(2026, 4, 1), date(2026, 4, 30))
    assert [(i.action, i.amount_cents) for i in later] == [(REVERSAL, -5000)]


def test_kinds_not_chosen_stay_for_a_later_export():
    credit = Source("invoice:2", CREDIT_NOTE, "NC/2026/00001", date(2026, 4, 20), 5000, "v1")
    assert plan([credit], {}, date(2026, 4, 1), date(2026, 4, 30), kinds=[INVOICE]) == []


# The property: a small world of invoices changed and exported in any order.
DAY0 = date(2026, 1, 1)
steps = st.lists(
    st.tuples(
        st.sampled_from(["run", "credit", "write_off", "reverse", "reissue", "export"]),
        st.integers(min_value=0, max_value=5),
        st.integers(min_value=1, max_value=9000),
        st.integers(min_value=0, max_value=20),
    ),
    max_size=25,
)


class World:
    """Invoices and credit notes with their current amounts, and the exports made so far."""

    def __init__(self) -> None:
        self.today = DAY0
        self.sources: dict[str, Source] = {}
        self.written_off: dict[str, int] = {}
        self.credited: set[str] = set()
        self.items: list[accounting.Item] = []
        self.last_export_to = DAY0 - timedelta(days=1)
        self.counter = 0

    def new(self, kind: str, cents: int) -> str:
        self.counter += 1
        key = f"doc:{self.counter}"
        self.sources[key] = Source(key, kind, key, self.today, cents, "0")
        return key

    def invoices(self) -> list[str]:
        return [k for k, s in self.sources.items() if s.kind == INVOICE and k not in self.credited]

    def change(self, key: str, cents: int) -> None:
        old = self.sources[key]
        version = str(int(old.fingerprint) + 1)
        self.sources[key] = Source(key, old.kind, old.number, old.day, cents, version, self.today)

    def step(self, action: str, pick: int, cents: int, days: int) -> None:
        self.today += timedelta(days=days)
        open_invoices = self.invoices()
        target = open_invoices[pick % len(open_invoices)] if open_invoices else None
        if action == "run":
            self.new(INVOICE, cents)
        elif action in ("credit", "reissue") and target:
            self.credited.add(target)
            self.new(CREDIT_NOTE, self.sources[target].amount_cents)
            if action == "reissue":
                self.new(INVOICE, cents)
        elif action == "write_off" and target and self.sources[target].amount_cents:
            amount = min(cents, self.sources[target].amount_cents)
            self.written_off[target] = self.written_off.get(target, 0) + amount
            self.change(target, self.sources[target].amount_cents - amount)
        elif action == "reverse" and target and self.written_off.get(target):
            back = self.written_off.pop(target)
            self.change(target, self.sources[target].amount_cents + back)
        elif action == "export":
            self.export_up_to_yesterday()

    def export(self, date_to: date) -> None:
        """Export from the day after the last export to ``date_to`` (three months at most)."""
        date_from = self.last_export_to + timedelta(days=1)
        before = exported_after([], self.items)
        new = plan(self.sources.values(), before, date_from, date_to)
        for item in new:  # nothing exported twice unchanged
            done = before.get(item.key)
            assert done is None or done.fingerprint != item.fingerprint
        assert len({(i.key, i.action) for i in new}) == len(new)
        self.items.extend(new)
        self.last_export_to = date_to

    def export_up_to_yesterday(self) -> None:
        """Export month by month up to yesterday, as a finance officer would (a day travels
        once it is over: the service refuses a range that does not end before today)."""
        yesterday = self.today - timedelta(days=1)
        while self.last_export_to < yesterday:
            start = self.last_export_to + timedelta(days=1)
            self.export(min(yesterday, accounting.months_later(start, 1)))


@settings(max_examples=30, deadline=None)
@given(steps)
def test_any_history_exports_each_document_at_its_current_amount_once(history):
    """Over any sequence of runs, credits, write-offs, reissues and exports, the sum exported
    per document equals its current amount, and no document is exported twice unchanged."""
    world = World()
    for action, pick, cents, days in history:
        world.step(action, pick, cents, days)
    world.today += timedelta(days=1)  # the last day is over: everything can travel
    world.export_up_to_yesterday()
    exported = exported_after([], world.items)
    for key, source in world.sources.items():
        done = exported.get(key)
        assert (done.amount_cents if done else 0) == source.signed_cents, key
