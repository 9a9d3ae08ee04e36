"""Writes of the activity and price configuration, with the rules checked at save time.

DOMAIN §2: a scan-encoded activity that a scan could not tell apart from another is refused,
naming the other one; a price that would make the price lookup ambiguous is refused, naming
the other price; a price changes from a date in one action. The ``*_check`` functions raise
the :class:`DomainError` a form shows next to its fields; the ``*_save`` functions check again
and write, in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction

from regie.activities import pricing
from regie.activities.models import Activity, ActivityCategory, Encoding, Place, Price
from regie.attendance import windows
from regie.core.errors import DomainError, gettext_noop
from regie.core.services import record_save
from regie.people.models import TariffCategory

# -- Places and categories -------------------------------------------------------------------


@transaction.atomic
def place_save(*, place: Place) -> Place:
    """Create or change a place (its name unique in the organisation)."""
    return record_save(place)


@transaction.atomic
def category_save(*, category: ActivityCategory) -> ActivityCategory:
    """Create or change an activity category (its code unique in the organisation)."""
    return record_save(category)


# -- Activities ------------------------------------------------------------------------------


def activity_check(*, activity: Activity) -> None:
    """Raise ``activity.conflict`` or ``activity.chain`` if ``activity`` cannot be saved as is.

    ``activity`` may be unsaved or carry unsaved changes: it is compared with the stored
    activities of the same category and place, itself excluded.
    """
    window = activity.as_window()
    _check_chain(activity)
    if activity.encoding != Encoding.SCAN:
        return
    others = Activity.objects.filter(
        category_id=activity.category_id, place_id=activity.place_id, encoding=Encoding.SCAN
    )
    if activity.pk:
        others = others.exclude(pk=activity.pk)
    conflicts = windows.check_compatibility(window, [other.as_window() for other in others])
    if conflicts:
        error = windows.conflict_error(window, conflicts)
        if not activity.pk:
            error.params["activity"] = f"“{activity.name}”"  # no id yet: "#0" would mislead
        raise error


def _check_chain(activity: Activity) -> None:
    nxt = activity.next_activity
    if nxt is None:
        return
    if nxt.place_id != activity.place_id or nxt.start_time != activity.end_time:
        raise DomainError(
            "activity.chain",
            gettext_noop(
                "The next activity %(next)s must be at the same place and start when "
                "%(activity)s ends (%(end)s)."
            ),
            next=nxt.as_window().label,
            activity=activity.as_window().label,
            end=activity.end_time.strftime("%H:%M"),
        )


@transaction.atomic
def activity_save(*, activity: Activity) -> Activity:
    """Save an activity after its model's rules (levels, dates, window), compatibility and chain.

    Raises ``ValidationError`` for a broken model rule, ``DomainError`` for a broken save-time
    rule (a scan could not tell it from another activity; a wrong chain).
    """
    activity.full_clean()
    activity_check(activity=activity)
    activity.save()
    return activity


# -- Prices ----------------------------------------------------------------------------------


def price_values(prices: Iterable[Price]) -> list[pricing.Price]:
    """Return the pure prices, reading the many-to-many ids from a prefetch."""
    return [
        price.as_value(
            activity_ids=frozenset(a.pk for a in price.activities.all()),
            category_ids=frozenset(c.pk for c in price.categories.all()),
        )
        for price in prices
    ]


def prices_of(activity_ids: Iterable[int]) -> list[Price]:
    """Return the stored prices of some activities, their many-to-many ids prefetched."""
    return list(
        Price.objects.filter(activities__in=list(activity_ids))
        .distinct()
        .prefetch_related("activities", "categories")
        .order_by("valid_from", "pk")
    )


def price_check(
    *, price: Price, activity_ids: Iterable[int], category_ids: Iterable[int]
) -> pricing.Price:
    """Return the pure value of ``price``; raise ``pricing.overlap`` if it overlaps another.

    The activities and categories are passed in (a form's cleaned data), not read from the
    instance, whose many-to-many values are only written after it is saved.
    """
    value = price.as_value(
        activity_ids=frozenset(activity_ids), category_ids=frozenset(category_ids)
    )
    others = [p for p in prices_of(value.activity_ids) if p.pk != price.pk]
    overlapping = pricing.overlapping_prices(value, price_values(others))
    if overlapping:
        raise pricing.overlap_error(value, overlapping)
    return value


@transaction.atomic
def price_save(
    *, price: Price, activities: Iterable[Activity], categories: Iterable[TariffCategory]
) -> Price:
    """Save a price with its activities and tariff categories, refusing any overlap.

    Its fields are validated first (``ValidationError``: an amount out of range, no name...);
    a price with no activity is refused, as the form does.
    """
    activities, categories = list(activities), list(categories)
    price.full_clean()
    if not activities:
        raise DomainError(
            "pricing.no_activity", gettext_noop("A price applies to at least one activity.")
        )
    price_check(
        price=price,
        activity_ids=[a.pk for a in activities],
        category_ids=[c.pk for c in categories],
    )
    price.save()
    price.activities.set(activities)
    price.categories.set(categories)
    return price


@transaction.atomic
def price_change_from(
    *, price: Price, day: date, unit_cents: int, name: str | None = None
) -> Price:
    """End ``price`` the day before ``day`` and return the new price that starts on ``day``.

    The new price keeps the activities, positions, categories, period, maximum and cumulative
    switch, and runs until the old price's end (DOMAIN §2, worked example 4).
    """
    price = Price.objects.select_for_update().get(pk=price.pk)
    activities = list(price.activities.all())
    categories = list(price.categories.all())
    ended, new = pricing.change_price_from(price.as_value(), day, unit_cents, name or None)
    price.valid_to = ended.valid_to
    price.save(update_fields=["valid_to"])
    created = Price(
        name=new.name,
        period_minutes=new.period_minutes,
        unit_cents=new.unit_cents,
        maximum_cents=new.maximum_cents,
        valid_from=new.valid_from,
        valid_to=new.valid_to,
        positions=sorted(new.positions),
        without_category=price.without_category,
        cumulative=new.cumulative,
    )
    return price_save(price=created, activities=activities, categories=categories)
