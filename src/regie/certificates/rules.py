"""Tax certificates for childcare costs, form 281.86 (DOMAIN §10). Pure, integer cents.

A certificate goes to each attestable person who paid and each child, for the categories
marked tax-deductible, counting the money received in the income year whatever the date of
the care, for the days the child was under 14 (under 21 with a severe disability). Its
periods: the days at or under the year's legal daily maximum share one period; the days above
it are listed apart, one period per daily tariff. Four periods at most: more give another
certificate.

Worked example 15 (DOMAIN): 60 days at 2.00, a camp week of 5 days at 25.00, daily maximum
16.40; the meals are not deductible, so they never reach these rules:

>>> from datetime import date, timedelta
>>> care = {date(2026, 1, 5) + timedelta(days=n): 200 for n in range(60)}
>>> camp = {date(2026, 7, 6) + timedelta(days=n): 2500 for n in range(5)}
>>> [(p.days, p.daily_cents, p.amount_cents) for p in periods_of({**care, **camp}, 1640)]
[(60, None, 12000), (5, 2500, 12500)]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import date
from typing import NamedTuple

MAX_PERIODS = 4
AGE_LIMIT = 14
AGE_LIMIT_SEVERE_DISABILITY = 21


class Period(NamedTuple):
    """Days of care on a certificate: from, to, how many, the daily tariff, the amount."""

    start: date
    end: date
    days: int
    daily_cents: int | None  # None: days at or under the daily maximum, sharing one period
    amount_cents: int


class Payer(NamedTuple):
    """What one person paid in the income year for one child's deductible care, per day."""

    person: Hashable
    child: Hashable
    attestable: bool
    birth_date: date
    severe_disability: bool
    days: Mapping[date, int]  # date of the care → cents received in the year


class Certificate(NamedTuple):
    """One 281.86 form: a person, a child, its rank among theirs (1, 2…) and ≤ 4 periods."""

    person: Hashable
    child: Hashable
    rank: int
    periods: tuple[Period, ...]

    @property
    def total_cents(self) -> int:
        return sum(period.amount_cents for period in self.periods)


class Problem(NamedTuple):
    """Money received that no certificate shows, and why: a code, who, how much, which days."""

    code: str  # "not_attestable" or "over_age_limit"
    person: Hashable
    child: Hashable
    days: int
    amount_cents: int
    limit_date: date | None = None


def limit_date(birth_date: date, severe_disability: bool = False) -> date:
    """Return the first day the child is over the age limit: the 14th (21st) birthday.

    >>> limit_date(date(2012, 5, 3))
    datetime.date(2026, 5, 3)
    >>> limit_date(date(2012, 5, 3), severe_disability=True)
    datetime.date(2033, 5, 3)
    >>> limit_date(date(2012, 2, 29))
    datetime.date(2026, 3, 1)
    """
    years = AGE_LIMIT_SEVERE_DISABILITY if severe_disability else AGE_LIMIT
    try:
        return birth_date.replace(year=birth_date.year + years)
    except ValueError:  # born on 29 February: a year older on 1 March
        return date(birth_date.year + years, 3, 1)


def received_in_year(
    lines: Sequence[tuple[Hashable, int]], *, before_cents: int, during_cents: int
) -> dict[Hashable, int]:
    """Return what the year's money paid of each line of one invoice, lines paid in order.

    ``lines`` are (key, amount due) in the order they are paid, oldest care first; money
    received before the year paid the first ones, the year's money pays the next.

    >>> received_in_year([("a", 500), ("b", 500), ("c", 500)], before_cents=700, during_cents=600)
    {'b': 300, 'c': 300}
    """
    paid: dict[Hashable, int] = {}
    skip, left = before_cents, during_cents
    for key, due in lines:
        covered = min(max(due, 0), skip)
        skip -= covered
        share = min(due - covered, left)
        if share > 0:
            paid[key] = share
            left -= share
        if left <= 0:
            break
    return paid


def periods_of(days: Mapping[date, int], daily_max_cents: int) -> list[Period]:
    """Return the periods of days paid: one for the days at or under the maximum, one per
    daily tariff above it, in date order.

    >>> d = date(2026, 3, 2)
    >>> periods_of({d: 1700, d.replace(day=3): 1800, d.replace(day=4): 1700}, 1640)
    [Period(start=datetime.date(2026, 3, 2), end=datetime.date(2026, 3, 4), days=2, \
daily_cents=1700, amount_cents=3400), Period(start=datetime.date(2026, 3, 3), \
end=datetime.date(2026, 3, 3), days=1, daily_cents=1800, amount_cents=1800)]
    """
    groups: dict[int | None, list[tuple[date, int]]] = defaultdict(list)
    for day, cents in sorted(days.items()):
        if cents > 0:
            groups[None if cents <= daily_max_cents else cents].append((day, cents))
    found = [
        Period(
            start=group[0][0],
            end=group[-1][0],
            days=len(group),
            daily_cents=tariff,
            amount_cents=sum(cents for _day, cents in group),
        )
        for tariff, group in groups.items()
    ]
    return sorted(found, key=lambda period: (period.start, period.daily_cents or 0))


def certificates_of(payer: Payer, daily_max_cents: int) -> tuple[list[Certificate], list[Problem]]:
    """Return the certificates of one payer and child, and the money they cannot show.

    >>> p = Payer("anne", "tom", True, date(2012, 5, 3), False,
    ...           {date(2026, 5, 1): 300, date(2026, 5, 4): 300})
    >>> certs, problems = certificates_of(p, 1640)
    >>> [(c.rank, c.total_cents) for c in certs]
    [(1, 300)]
    >>> [(x.code, x.days, x.amount_cents) for x in problems]
    [('over_age_limit', 1, 300)]
    """
    if not payer.attestable:
        total = sum(cents for cents in payer.days.values() if cents > 0)
        days = sum(1 for cents in payer.days.values() if cents > 0)
        return [], [Problem("not_attestable", payer.person, payer.child, days, total)]
    limit = limit_date(payer.birth_date, payer.severe_disability)
    allowed = {day: cents for day, cents in payer.days.items() if day < limit}
    over = [cents for day, cents in payer.days.items() if day >= limit and cents > 0]
    problems = []
    if over:
        problems.append(
            Problem("over_age_limit", payer.person, payer.child, len(over), sum(over), limit)
        )
    periods = periods_of(allowed, daily_max_cents)
    certificates = [
        Certificate(payer.person, payer.child, rank, tuple(chunk))
        for rank, chunk in enumerate(_chunks(periods, MAX_PERIODS), start=1)
    ]
    return certificates, problems


def certify(
    payers: Iterable[Payer], daily_max_cents: int
) -> tuple[list[Certificate], list[Problem]]:
    """Return every payer's certificates and every problem at once (errors as data)."""
    certificates: list[Certificate] = []
    problems: list[Problem] = []
    for payer in payers:
        found, wrong = certificates_of(payer, daily_max_cents)
        certificates.extend(found)
        problems.extend(wrong)
    return certificates, problems


def _chunks(items: Sequence[Period], size: int) -> Iterable[Sequence[Period]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
