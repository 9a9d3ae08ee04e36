"""Hypothesis strategies for statements that fit the CODA record layout."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from regie.payments.parsers.statement import Movement, Statement

FUZZ = settings(
    max_examples=int(os.environ.get("REGIE_FUZZ_EXAMPLES", "300")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

ALPHABET = "ABCXYZabcxyz0123456789 -.,'/+éèêçàùüöœŒ€–É"
DIGITS = "0123456789"


def text(max_size: int) -> st.SearchStrategy[str]:
    """Return texts without leading or trailing blanks, as a CODA zone gives them back."""
    return st.text(ALPHABET, max_size=max_size).map(str.strip)


def structured_references() -> st.SearchStrategy[str]:
    """Return 12-digit Belgian structured communications with right check digits."""
    return st.integers(0, 10**10 - 1).map(lambda n: f"{n:010d}{n % 97 or 97:02d}")


def amounts(limit: int = 10**12 - 1) -> st.SearchStrategy[Decimal]:
    return st.integers(-limit, limit).map(lambda n: Decimal(n).scaleb(-3))


def dates() -> st.SearchStrategy[date | None]:
    return st.none() | st.dates(date(2000, 1, 1), date(2099, 12, 31))


def accounts() -> st.SearchStrategy[str]:
    return (
        st.text(DIGITS, min_size=12, max_size=12)
        | st.text(DIGITS, min_size=14, max_size=14).map(lambda d: "BE" + d)
        | st.from_regex(r"\A[A-Z]{2}[0-9]{2}[A-Z][A-Z0-9]{0,29}\Z")
    )


@st.composite
def movements(draw, sequence: int, detail: bool = False) -> Movement:
    """Return a movement (or a detail line) numbered ``sequence``."""
    reference = draw(st.just("") | structured_references())
    kind = draw(st.sampled_from("5678" if detail else "0123"))
    information = draw(st.lists(text(268).filter(bool), max_size=2))
    children = () if detail else draw(st.lists(movements(sequence, detail=True), max_size=2))
    return Movement(
        sequence=sequence,
        amount=draw(amounts()),
        value_date=draw(dates()),
        entry_date=draw(dates()),
        transaction_code=kind + draw(st.text(DIGITS, min_size=7, max_size=7)),
        bank_reference=draw(text(21)),
        structured_reference=reference,
        communication=draw(text(96 if reference else 149)),
        counterparty_name=draw(text(35)),
        counterparty_account=draw(st.just("") | accounts()),
        counterparty_bic=draw(st.from_regex(r"\A([A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?)?\Z")),
        information="\n".join(information),
        globalisation_code=draw(st.integers(0, 9)),
        details=tuple(children),
    )


@st.composite
def statements(draw, max_movements: int = 5) -> Statement:
    """Return a statement whose new balance is the old one plus its movements."""
    count = draw(st.integers(0, max_movements))
    booked = tuple(draw(movements(n)) for n in range(1, count + 1))
    old = draw(amounts(10**11))
    return Statement(
        account=draw(accounts()),
        currency=draw(st.sampled_from(["EUR", "USD", "CHF"])),
        old_balance=old,
        new_balance=old + sum((m.amount for m in booked), Decimal(0)),
        old_balance_date=draw(dates()),
        new_balance_date=draw(dates()),
        sequence_number=draw(st.integers(0, 999)),
        holder_name=draw(text(26)),
        creation_date=draw(dates()),
        bank_bic=draw(st.from_regex(r"\A([A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?)?\Z")),
        movements=booked,
        messages=tuple(draw(st.lists(text(80), max_size=2))),
    )
