"""The dashboard of the work to do: counters that each app registers (issue 14, item 6).

Core knows no app: an app registers its counters when it is ready (its ``AppConfig.ready``
imports its ``dashboard`` module), and the home page asks the registry which counters the
user's role sees. A counter is a label, a function that counts in the active organisation
(one cheap query, served by an index), the list it links to and the roles that see it::

    from regie.core.dashboard import Counter, register_counter

    register_counter(
        Counter(
            key="dunning.reminders_due",
            label=_("reminders to send"),
            count=lambda: Reminder.objects.filter(status=Status.DUE).count(),
            url=lambda: reverse("dunning:reminder-list") + "?status=due",
            roles=frozenset({Role.ADMINISTRATOR, Role.FINANCE}),
            section=Section.MONEY,
            order=30,
        )
    )

A counter whose count is 0 is still shown (the clerk sees there is nothing waiting), and it
is highlighted when ``warn`` is true and the count is not 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Section(models.TextChoices):
    """Where a counter shows on the dashboard, in this order."""

    ORGANISATION = "organisation", _("Organisation")
    REGISTRY = "registry", _("Registry")
    ATTENDANCE = "attendance", _("Attendance")
    BILLING = "billing", _("Billing")
    MONEY = "money", _("Payments and collection")
    SENDING = "sending", _("Documents and sendings")


@dataclass(frozen=True)
class Counter:
    """One figure of the dashboard and the list that shows what it counts."""

    key: str
    label: str
    count: Callable[[], int]
    url: Callable[[], str]
    roles: frozenset[str]
    section: str = Section.REGISTRY
    order: int = 100
    warn: bool = True


@dataclass(frozen=True)
class Shown:
    """A counter as the dashboard shows it to one user."""

    key: str
    label: str
    value: int
    url: str
    warn: bool


_counters: dict[str, Counter] = {}


def register_counter(counter: Counter) -> Counter:
    """Register ``counter`` (registering the same key again replaces it)."""
    _counters[counter.key] = counter
    return counter


def counters_for(role: str | None) -> list[Counter]:
    """Return the counters ``role`` sees, by section and order."""
    sections = list(Section.values)
    shown = [c for c in _counters.values() if role in c.roles]
    return sorted(shown, key=lambda c: (sections.index(c.section), c.order, c.key))


def dashboard(role: str | None) -> list[tuple[str, list[Shown]]]:
    """Count, in the active organisation, what waits for ``role``: sections of counters."""
    grouped: dict[str, list[Shown]] = {}
    for counter in counters_for(role):
        value = counter.count()
        grouped.setdefault(counter.section, []).append(
            Shown(counter.key, str(counter.label), value, counter.url(), counter.warn and value > 0)
        )
    return [(Section(section).label, items) for section, items in grouped.items()]
