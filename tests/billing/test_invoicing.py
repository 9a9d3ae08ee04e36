"""Specification of building invoices from attendances (DOMAIN §4, worked examples 1–6, 9)."""

from __future__ import annotations

from datetime import date

from regie.activities.pricing import Price
from regie.billing.invoicing import (
    BillableAttendance,
    ChildInfo,
    Names,
    build_invoices,
)

EVENING, MORNING, EARLY = 1, 2, 3
ACCUEIL = 10
MOM, DAD = 100, 200
LEA, TOM, ZOE = 7, 8, 9
D = date(2025, 10, 1)
NAMES = Names(activities={EVENING: "Accueil du soir", MORNING: "Accueil du matin"})


def child(id=LEA, name="Léa Dupont", billable=(MOM,), attestable=True, category=None):
    return ChildInfo(id, name, category, tuple(billable), attestable)


def att(id, minutes, *, activity=EVENING, day=D, kid=LEA, person=None, start=16 * 60):
    return BillableAttendance(id, kid, day, activity, ACCUEIL, start, minutes, person)


HALF_HOUR = Price(1, "0.50 / 30 min", frozenset({EVENING, MORNING}), 30, 50)


def test_examples_1_and_2_give_exact_invoice_amounts():
    """4 minutes → 1 period 0.50; 95 minutes → 4 periods 2.00; one invoice for the parent."""
    invoices, problems = build_invoices(
        [att(1, 4), att(2, 95, day=date(2025, 10, 2))], {LEA: child()}, [HALF_HOUR], {}
    )
    assert problems == []
    (invoice,) = invoices
    assert invoice.person_id == MOM
    assert [(x.quantity, x.unit_cents, x.amount_cents) for x in invoice.lines] == [
        (1, 50, 50),
        (4, 50, 200),
    ]
    assert invoice.total_cents == 250
    assert invoice.by_category() == {ACCUEIL: 250}


def test_example_2_with_a_maximum_is_capped():
    capped = Price(2, "max 1.50", frozenset({EVENING}), 30, 50, maximum_cents=150)
    invoices, _ = build_invoices([att(1, 95)], {LEA: child()}, [capped], {})
    assert invoices[0].total_cents == 150


def test_examples_3_and_4_follow_the_price_valid_that_day():
    """Free on 26/08/2025, 1.50 on 27/08/2025 (example 3); 1.00 then 1.30 (example 4)."""
    free = Price(
        3, "free", frozenset({MORNING}), 24 * 60, 0, 0, date(2025, 8, 24), date(2025, 8, 26)
    )
    paid = Price(4, "0.50", frozenset({MORNING}), 30, 50, 0, date(2025, 8, 27), date(2031, 12, 25))
    attendances = [
        att(1, 80, activity=MORNING, day=date(2025, 8, 26)),
        att(2, 80, activity=MORNING, day=date(2025, 8, 27)),
    ]
    invoices, _ = build_invoices(attendances, {LEA: child()}, [free, paid], {})
    assert [x.amount_cents for x in invoices[0].lines] == [0, 150]
    old = Price(5, "0.50", frozenset({EVENING}), 30, 50, 0, date(2025, 1, 1), date(2025, 8, 24))
    new = Price(6, "0.65", frozenset({EVENING}), 30, 65, 0, date(2025, 8, 25), date(2025, 12, 31))
    attendances = [att(3, 45, day=date(2025, 8, 22)), att(4, 45, day=date(2025, 8, 25))]
    invoices, _ = build_invoices(attendances, {LEA: child()}, [old, new], {})
    assert [x.amount_cents for x in invoices[0].lines] == [100, 130]


def test_example_5_two_prices_the_same_day_are_an_ambiguous_price_naming_both():
    twin = Price(7, "doublon", frozenset({EVENING}), 30, 60)
    invoices, problems = build_invoices([att(1, 30)], {LEA: child()}, [HALF_HOUR, twin], {}, NAMES)
    assert invoices == []
    (problem,) = problems
    assert problem.code == "pricing.ambiguous"
    assert "“0.50 / 30 min” (#1), “doublon” (#7)" in problem.english()
    assert "Accueil du soir" in problem.english()


def test_example_6_positions_2_and_3_have_no_price():
    """A price for position 1 only; three siblings → missing price for positions 2 and 3."""
    first_only = Price(8, "1er enfant", frozenset({EVENING}), 30, 50, positions=frozenset({1}))
    children = {k: child(k, f"Enfant {k}") for k in (LEA, TOM, ZOE)}
    positions = {(MOM, LEA): 1, (MOM, TOM): 2, (MOM, ZOE): 3}
    attendances = [att(n, 30, kid=k) for n, k in enumerate((LEA, TOM, ZOE), start=1)]
    _, problems = build_invoices(attendances, children, [first_only], positions, NAMES)
    assert [p.english() for p in problems] == [
        "Missing price for Accueil du soir: position 2, tariff category none, date 01/10/2025.",
        "Missing price for Accueil du soir: position 3, tariff category none, date 01/10/2025.",
    ]


def test_example_9_cumulative_day_is_charged_once():
    """10 + 40 minutes under one cumulative price: 2 periods, 1.00 for the day."""
    cumulative = Price(9, "cumul", frozenset({EVENING, MORNING}), 30, 50, cumulative=True)
    attendances = [
        att(1, 10, activity=MORNING, start=7 * 60 + 50),
        att(2, 40, activity=EVENING, start=16 * 60),
    ]
    invoices, _ = build_invoices(attendances, {LEA: child()}, [cumulative], {})
    assert invoices[0].total_cents == 100
    assert [x.amount_cents for x in invoices[0].lines] == [100, 0]


def test_named_billable_person_pays_else_the_first_billable_one():
    """Dad picked up (and is billable): his invoice; an unknown person: mum's invoice."""
    kids = {LEA: child(billable=(MOM, DAD))}
    invoices, _ = build_invoices(
        [att(1, 30, person=DAD), att(2, 30, person=999, day=date(2025, 10, 2))],
        kids,
        [HALF_HOUR],
        {},
    )
    assert [(i.person_id, i.total_cents) for i in invoices] == [(MOM, 50), (DAD, 50)]


def test_every_problem_is_listed_at_once():
    """No attestable parent and no billable person are reported together; nothing is billed."""
    kids = {LEA: child(attestable=False), TOM: child(TOM, "Tom Martin", billable=())}
    invoices, problems = build_invoices([att(1, 30), att(2, 30, kid=TOM)], kids, [HALF_HOUR], {})
    assert invoices == []
    assert sorted(p.code for p in problems) == ["billing.no_attestable", "billing.no_billable"]
    assert "Léa Dupont has no attestable parent" in problems[0].english()
