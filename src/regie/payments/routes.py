"""Kinds of structured communication that apps above payments route (reminders, plans).

Payments know invoices and prepayment references. A reminder or a payment plan has its own
communication (a prefix of the billing settings), but ``payments`` must not import the app
that owns them: that app registers a :class:`Route` for its kind when it starts, and the bank
import, the payment's cancellation and the person's credit call it.

A payment with such a communication is first stored as the person's credit (as a prepayment
is); the route's ``allocate`` then uses that credit as its rules say (DOMAIN §7), writing
allocations and the ledger entries of what it paid.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from regie.ledger.rules import EntryDraft
from regie.payments.matching import Target


@dataclass(frozen=True)
class Route:
    """What payments need of a kind of communication."""

    kind: str
    #: Lock and return what the 12-digit references designate (the others are left out).
    load: Callable[[Sequence[str]], dict[str, Target]]
    #: Use a payment just stored as credit to pay the target; write rows and entries.
    allocate: Callable[..., None]
    #: Cents of a person's credit the kind used other than invoice allocations (fees).
    credit_used: Callable[[int], int]
    #: Undo what ``allocate`` wrote besides invoice allocations; return the reversing entries.
    cancel: Callable[..., list[EntryDraft]]
    #: The live parts of payments ``credit_used`` counts, as rows with ``amount_cents`` and
    #: ``payment`` (a queryset): the persons' credits in one query (:func:`credit_parts`).
    credit_parts: Callable[[], QuerySet] | None = None
    #: Whether ``allocate`` pays invoices (a reminder's, a plan's): the person's invoices are
    #: then locked with the person before the payment is written. A service file's is not.
    allocates_invoices: bool = True
    #: What a payment paid of this kind besides invoice allocations, for the payment's page.
    paid_parts: Callable[[int], list[PaidPart]] | None = None


@dataclass(frozen=True)
class PaidPart:
    """Something besides an invoice that a payment paid (a reminder's fee, a service file)."""

    what: str
    url: str
    day: date
    amount_cents: int
    cancelled: bool


ROUTES: dict[str, Route] = {}


def route_register(route: Route) -> None:
    """Route the payments of ``route.kind`` (called by an app's ``ready()``)."""
    ROUTES[route.kind] = route


def targets_load(references: Sequence[str], kinds: Sequence[str] = ()) -> dict[str, Target]:
    """Return what registered kinds designate among ``references`` (only ``kinds``' when the
    caller knows them: an online payment created for a service file)."""
    found: dict[str, Target] = {}
    for route in ROUTES.values():
        if kinds and route.kind not in kinds:
            continue
        found.update(route.load([r for r in references if r not in found]))
    return found


def allocates_invoices(kind: str) -> bool:
    """Whether a payment of ``kind`` may pay invoices (see :attr:`Route.allocates_invoices`)."""
    route = ROUTES.get(kind)
    return route is None or route.allocates_invoices


def payment_route(payment, target: Target, day: date) -> bool:
    """Let the target's kind allocate a payment; return whether a route took it."""
    route = ROUTES.get(target.kind)
    if route is None:
        return False
    route.allocate(payment=payment, target=target, day=day)
    return True


def credit_used(person_id: int) -> int:
    return sum(route.credit_used(person_id) for route in ROUTES.values())


def credit_parts() -> list[QuerySet]:
    """Return, per kind, the parts of payments it used of the persons' credits (filter them
    by ``payment__person``): what :func:`credit_used` counts, for annotating many persons."""
    return [route.credit_parts() for route in ROUTES.values() if route.credit_parts is not None]


def paid_parts(payment_id: int) -> list[PaidPart]:
    """Return what the routed kinds say a payment paid besides invoices."""
    return [
        part
        for route in ROUTES.values()
        if route.paid_parts is not None
        for part in route.paid_parts(payment_id)
    ]


def payment_unroute(payment, day: date) -> list[EntryDraft]:
    """Undo what the routes wrote for a payment being cancelled; return the entries."""
    return [draft for route in ROUTES.values() for draft in route.cancel(payment=payment, day=day)]
