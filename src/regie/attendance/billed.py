"""Whether an attendance is billed: attendance asks, billing answers through a hook.

Data flows one way (ARCHITECTURE.md): billing builds on attendance, so attendance imports
nothing of billing. Yet verification must keep what an invoice holds, and the screens and the
unbilled monitor must tell billed attendances apart. Billing registers the answers in its
``AppConfig.ready`` (:func:`register_billing_links`), as apps register billable guards with
:func:`regie.people.services.register_billable_guard`. Without billing nothing is billed, held
or drafted.

Every answer is a condition on the *outer* attendance of a query (an ``Exists`` or a ``Q``), to
use in ``filter``, ``exclude``, ``When`` or an annotation: verifying a month of a large commune
stays a few set-based statements, never one question per attendance.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from django.db.models import BooleanField, Q, Value
from django.db.models.expressions import BaseExpression


class BillingLinks(Protocol):
    """What billing answers about attendances (conditions on the outer query's attendance)."""

    def billed(self) -> BaseExpression | Q:
        """The attendance is on a posted invoice (an unreleased link)."""

    def held(self) -> BaseExpression | Q:
        """The attendance is on an invoice, posted or a run's draft (an unreleased link)."""

    def on_draft(self) -> BaseExpression | Q:
        """The attendance is on a draft invoice of a run not posted yet."""

    def forget_released(self, attendance_ids: Sequence[int]) -> None:
        """Delete the released links of attendances verification is about to delete."""


_links: BillingLinks | None = None
_NEVER = Value(False, output_field=BooleanField())


def register_billing_links(links: BillingLinks) -> BillingLinks:
    """Register billing's answers (the last registration wins); return them."""
    global _links  # noqa: PLW0603 - one registry per process, filled at start-up
    _links = links
    return links


def registered_billing_links() -> BillingLinks | None:
    """Return the registered answers, if any (tests swap them)."""
    return _links


def is_billed() -> BaseExpression | Q:
    """Return the condition "the outer attendance is billed" (on a posted invoice)."""
    return _links.billed() if _links else _NEVER


def is_held() -> BaseExpression | Q:
    """Return the condition "the outer attendance is on an invoice, posted or draft"."""
    return _links.held() if _links else _NEVER


def is_on_draft() -> BaseExpression | Q:
    """Return the condition "the outer attendance is on a draft invoice of a run"."""
    return _links.on_draft() if _links else _NEVER


def released_links_forget(attendance_ids: Sequence[int]) -> None:
    """Delete the released links of attendances about to be deleted (nothing without billing)."""
    if _links and attendance_ids:
        _links.forget_released(attendance_ids)
