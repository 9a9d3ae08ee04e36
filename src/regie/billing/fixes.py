"""What to do about each problem of a billing run, with links to the pages that fix it.

A run stores its problems as :meth:`DomainError.to_dict` data; the screens show each one in
the user's language with what to fix and where (DOMAIN §4: "each with what to fix").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from regie.activities.models import Price
from regie.core.errors import DomainError


@dataclass(frozen=True)
class Link:
    text: str
    url: str


@dataclass(frozen=True)
class Problem:
    """A problem as the screens show it: message, what to do, links to fix it."""

    code: str
    message: str
    hint: str = ""
    links: list[Link] = field(default_factory=list)


def problems_shown(
    problems: list[DomainError | dict[str, Any]],
    *,
    date_from: date,
    date_to: date,
    can_configure: bool,
) -> list[Problem]:
    """Return each problem with what to fix; ``can_configure`` offers the price screens."""
    errors = [p if isinstance(p, DomainError) else DomainError.from_dict(p) for p in problems]
    price_ids = {pk for e in errors for pk in e.params.get("price_ids", ())}
    prices = Price.objects.in_bulk(price_ids) if price_ids else {}
    coverage = Link(
        _("Price coverage check of the period"),
        f"{reverse('activities:coverage')}?"
        + urlencode({"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}),
    )
    return [_shown(error, prices, coverage, can_configure) for error in errors]


def _shown(error: DomainError, prices, coverage: Link, can_configure: bool) -> Problem:
    params = error.params
    if error.code == "pricing.missing":
        links = [Link(_("Add a price"), add_price_url(params))] if can_configure else []
        hint = _(
            "Add a price valid on that date for this activity, child position and tariff "
            "category, or widen an existing one."
        )
        if not can_configure:
            hint += " " + _("A coordinator or an administrator changes the prices.")
        return Problem(error.code, error.translated(), hint, [*links, coverage])
    if error.code == "pricing.ambiguous":
        found = [prices[pk] for pk in params.get("price_ids", ()) if pk in prices]
        links = [
            Link(
                _("Price %(name)s") % {"name": price.name},
                reverse("activities:price-edit", args=[price.pk]),
            )
            for price in found
            if can_configure
        ]
        hint = _("Change the dates, positions or tariff categories of all but one of them.")
        return Problem(error.code, error.translated(), hint, [*links, coverage])
    if error.code in ("billing.no_attestable", "billing.no_billable") and "child_id" in params:
        child = Link(
            _("Persons of %(child)s") % {"child": params.get("child", "")},
            reverse("people:child-detail", args=[params["child_id"]]),
        )
        return Problem(error.code, error.translated(), "", [child])
    return Problem(error.code, error.translated())


def add_price_url(params: dict[str, Any]) -> str:
    """Return the new-price screen prefilled for a missing price's activity and child."""
    query: dict[str, Any] = {"name": params.get("activity", "")}
    if params.get("activity_id"):
        query["activities"] = params["activity_id"]
    if params.get("position"):
        query["positions"] = params["position"]
    if params.get("day"):
        query["valid_from"] = params["day"]
    if params.get("category_id"):
        query["categories"] = params["category_id"]
    elif "category_id" in params:
        query["without_category"] = "1"
    return f"{reverse('activities:price-create')}?{urlencode(query)}"
