"""Prices of activities: which price applies, and what an attendance costs (DOMAIN §2).

Pure functions over immutable values: no Django, no database. Money is integer cents.

A price charges a unit price per *started* period, at least one period for any attendance, and
is capped by its maximum when it has one:

>>> evening = Price(1, "0.50 / 30 min", frozenset({7}), 30, 50)
>>> attendance_amount(evening, 95)
Charge(periods=4, unit_cents=50, amount_cents=200)
>>> capped = Price(2, "0.50 / 30 min, max 1.50", frozenset({7}), 30, 50, maximum_cents=150)
>>> attendance_amount(capped, 95)
Charge(periods=4, unit_cents=50, amount_cents=150)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, NamedTuple

from regie.activities.positions import RankedChild, child_positions
from regie.core.errors import DomainError, gettext_noop

__all__ = [
    "DAY_MINUTES",
    "NONE_CATEGORY",
    "Charge",
    "DayLine",
    "Price",
    "PricedAttendance",
    "RankedChild",
    "applicable_price",
    "attendance_amount",
    "change_price_from",
    "child_positions",
    "day_charges",
    "find_price",
    "overlapping_prices",
    "prices_overlap",
]

#: Member of :attr:`Price.categories` meaning "children without a tariff category"; a child
#: without category is looked up with ``category=NONE_CATEGORY``.
NONE_CATEGORY: Final = None

#: Period length of a per-day price ("24:00").
DAY_MINUTES: Final = 24 * 60

CategoryId = int | None


@dataclass(frozen=True)
class Price:
    """A price of one or more activities, valid from/to two inclusive dates."""

    id: int | None
    name: str
    activity_ids: frozenset[int]
    period_minutes: int
    unit_cents: int
    maximum_cents: int = 0
    valid_from: date = date.min
    valid_to: date | None = None
    positions: frozenset[int] = frozenset()
    categories: frozenset[CategoryId] = frozenset()
    cumulative: bool = False

    def __post_init__(self) -> None:
        if self.period_minutes <= 0:
            raise DomainError(
                "pricing.invalid_period",
                gettext_noop("The period of price %(price)s must be longer than 00:00."),
                price=self.label,
            )
        if self.unit_cents < 0 or self.maximum_cents < 0:
            raise DomainError(
                "pricing.negative",
                gettext_noop("The unit price and maximum of price %(price)s cannot be negative."),
                price=self.label,
            )
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise DomainError(
                "pricing.invalid_dates",
                gettext_noop("Price %(price)s ends before it starts."),
                price=self.label,
            )

    @property
    def label(self) -> str:
        """Return the name and id that messages use to point at this price."""
        return f"“{self.name}” (#{self.id})" if self.id is not None else f"“{self.name}”"

    def is_valid_on(self, day: date) -> bool:
        """Return whether ``day`` lies within the validity dates (both inclusive)."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def applies_to(self, activity_id: int, day: date, position: int, category: CategoryId) -> bool:
        """Return whether this price applies to an activity, date, child position and category."""
        return (
            activity_id in self.activity_ids
            and self.is_valid_on(day)
            and (not self.positions or position in self.positions)
            and (not self.categories or category in self.categories)
        )


class Charge(NamedTuple):
    """What one attendance (or one cumulated day) costs."""

    periods: int
    unit_cents: int
    amount_cents: int


def parse_period(text: str) -> int:
    """Return the minutes of a period typed as HH:MM ("00:30" → 30, "24:00" → 1440).

    >>> parse_period("24:00"), parse_period("1:15")
    (1440, 75)
    """
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or int(minutes) >= 60:
        raise DomainError(
            "pricing.invalid_period",
            gettext_noop("“%(value)s” is not a period; write it like 00:30 or 24:00."),
            value=text,
        )
    return int(hours) * 60 + int(minutes)


def format_period(minutes: int) -> str:
    """Format a period length as HH:MM.

    >>> format_period(1440)
    '24:00'
    """
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def format_date(day: date) -> str:
    """Format a date the Belgian way (01/10/2025), as messages show it."""
    return day.strftime("%d/%m/%Y")


# -- Which price applies ---------------------------------------------------------------------


def missing_price_error(
    activity: object, day: date, position: int, category: CategoryId | str
) -> DomainError:
    """Return the "missing price" error of an activity, date, position and category."""
    return DomainError(
        "pricing.missing",
        gettext_noop(
            "Missing price for %(activity)s: position %(position)s, tariff category "
            "%(category)s, date %(date)s."
        ),
        activity=activity,
        position=position,
        category="none" if category is NONE_CATEGORY else category,
        date=format_date(day),
    )


def ambiguous_price_error(
    activity: object, day: date, position: int, category: CategoryId | str, prices: Sequence[Price]
) -> DomainError:
    """Return the "ambiguous price" error naming every price involved."""
    return DomainError(
        "pricing.ambiguous",
        gettext_noop(
            "Ambiguous price for %(activity)s: position %(position)s, tariff category "
            "%(category)s, date %(date)s: prices %(prices)s all apply; keep only one."
        ),
        activity=activity,
        position=position,
        category="none" if category is NONE_CATEGORY else category,
        date=format_date(day),
        prices=", ".join(price.label for price in prices),
        price_ids=tuple(price.id for price in prices),
    )


def find_price(
    prices: Iterable[Price],
    activity_id: int,
    day: date,
    position: int,
    category: CategoryId,
    *,
    activity_name: str | None = None,
    category_name: str | None = None,
) -> tuple[Price | None, list[DomainError]]:
    """Return ``(price, [])`` for the one applicable price, else ``(None, [error])``.

    The names, when given, replace the ids in the message.
    """
    matches = [p for p in prices if p.applies_to(activity_id, day, position, category)]
    activity = activity_name if activity_name is not None else activity_id
    shown_category = category_name if category_name is not None else category
    if len(matches) == 1:
        return matches[0], []
    if not matches:
        return None, [missing_price_error(activity, day, position, shown_category)]
    return None, [ambiguous_price_error(activity, day, position, shown_category, matches)]


def applicable_price(
    prices: Iterable[Price],
    activity_id: int,
    day: date,
    position: int,
    category: CategoryId,
    *,
    activity_name: str | None = None,
    category_name: str | None = None,
) -> Price:
    """Return the one price that applies; raise ``pricing.missing`` or ``pricing.ambiguous``."""
    price, errors = find_price(
        prices,
        activity_id,
        day,
        position,
        category,
        activity_name=activity_name,
        category_name=category_name,
    )
    if errors:
        raise errors[0]
    assert price is not None  # noqa: S101 - find_price returns a price or an error
    return price


# -- What an attendance costs ----------------------------------------------------------------


def attendance_amount(price: Price, minutes: int) -> Charge:
    """Return started periods × unit price, at least one period, capped by the maximum."""
    if minutes < 0:
        raise ValueError(f"minutes must not be negative, got {minutes}")
    periods = max(1, -(-minutes // price.period_minutes))
    amount = periods * price.unit_cents
    if price.maximum_cents > 0:
        amount = min(amount, price.maximum_cents)
    return Charge(periods, price.unit_cents, amount)


class PricedAttendance(NamedTuple):
    """One attendance of a child's day with the price that applies to it."""

    activity_id: int
    minutes: int
    price: Price


class DayLine(NamedTuple):
    """The charge of one attendance of a day; ``cumulated`` when its price adds up the day."""

    activity_id: int
    price_id: int | None
    minutes: int
    periods: int
    unit_cents: int
    amount_cents: int
    cumulated: bool


def day_charges(attendances: Sequence[PricedAttendance]) -> list[DayLine]:
    """Return one line per attendance of a child's day, in the given order.

    A non-cumulative price charges each attendance on its own. The attendances under one
    cumulative price are charged once for the day: their minutes are added up, the periods
    counted on the sum and the maximum caps the day. The whole day charge (periods and amount)
    goes on the group's first line in the given order (pass the day in time order); the group's
    other lines carry 0 periods and 0 cents. So every line stays "periods × unit price, capped"
    and the lines add up exactly to the day's amount.
    """
    group_minutes: dict[Price, int] = {}
    for item in attendances:
        if item.price.cumulative:
            group_minutes[item.price] = group_minutes.get(item.price, 0) + item.minutes
    charged: set[Price] = set()
    lines = []
    for item in attendances:
        price = item.price
        if not price.cumulative:
            charge = attendance_amount(price, item.minutes)
        elif price in charged:
            charge = Charge(0, price.unit_cents, 0)
        else:
            charge = attendance_amount(price, group_minutes[price])
            charged.add(price)
        lines.append(
            DayLine(
                item.activity_id,
                price.id,
                item.minutes,
                charge.periods,
                charge.unit_cents,
                charge.amount_cents,
                price.cumulative,
            )
        )
    return lines


# -- Keeping the price list consistent -------------------------------------------------------


def _dates_overlap(a: Price, b: Price) -> bool:
    a_end = a.valid_to or date.max
    b_end = b.valid_to or date.max
    return a.valid_from <= b_end and b.valid_from <= a_end


def _sets_overlap(a: frozenset[object], b: frozenset[object]) -> bool:
    # An empty set means "any", which overlaps everything.
    return not a or not b or bool(a & b)


def prices_overlap(a: Price, b: Price) -> bool:
    """Return whether some (activity, date, position, category) would get both prices."""
    return (
        bool(a.activity_ids & b.activity_ids)
        and _dates_overlap(a, b)
        and _sets_overlap(a.positions, b.positions)
        and _sets_overlap(a.categories, b.categories)
    )


def overlapping_prices(new: Price, existing: Iterable[Price]) -> list[Price]:
    """Return the existing prices that would make a lookup ambiguous if ``new`` were saved.

    A price with the same (non-null) id as ``new`` is the one being edited and is skipped.
    """
    return [
        other
        for other in existing
        if not (new.id is not None and other.id == new.id) and prices_overlap(new, other)
    ]


def overlap_error(new: Price, others: Sequence[Price]) -> DomainError:
    """Return the error refusing to save ``new`` because it overlaps ``others``."""
    return DomainError(
        "pricing.overlap",
        gettext_noop(
            "Price %(price)s overlaps %(others)s (same activity, dates, positions and "
            "categories); change the dates, positions or categories of one of them."
        ),
        price=new.label,
        others=", ".join(other.label for other in others),
        price_ids=tuple(other.id for other in others),
    )


def change_price_from(
    old: Price, day: date, new_unit_cents: int, new_name: str | None = None
) -> tuple[Price, Price]:
    """Return ``(ended_old, new)``: the old price ends the day before, the new one starts ``day``.

    The new price (id ``None``, not saved yet) keeps the activities, period, maximum, positions,
    categories and cumulative switch, and runs until the old price's end.
    """
    if not (old.valid_from < day and (old.valid_to is None or day <= old.valid_to)):
        raise DomainError(
            "pricing.change_date",
            gettext_noop(
                "Price %(price)s can only change on a date after its start and not after its "
                "end; to change it from its first day, edit it instead."
            ),
            price=old.label,
            date=format_date(day),
        )
    ended = dataclasses.replace(old, valid_to=day - timedelta(days=1))
    new = dataclasses.replace(
        old,
        id=None,
        name=new_name if new_name is not None else old.name,
        unit_cents=new_unit_cents,
        valid_from=day,
        valid_to=old.valid_to,
    )
    return ended, new
