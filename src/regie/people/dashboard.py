"""The registry's dashboard counters: children and persons, and children missing a parent."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from regie.core.dashboard import Counter, register_counter
from regie.core.permissions import CAPABILITIES
from regie.people.models import Person
from regie.people.selectors import children_with_flags

VIEWERS = CAPABILITIES["registry.view"]


def _active_children():
    return children_with_flags().filter(is_active=True)


def _children_url(problem: str = "") -> str:
    url = reverse("people:child-list")
    return f"{url}?problem={problem}" if problem else url


for counter in (
    Counter(
        key="people.children",
        label=_("active children"),
        count=lambda: _active_children().count(),
        url=_children_url,
        roles=VIEWERS,
        order=10,
        warn=False,
    ),
    Counter(
        key="people.persons",
        label=_("persons"),
        count=lambda: Person.objects.filter(is_active=True).count(),
        url=lambda: reverse("people:person-list"),
        roles=VIEWERS,
        order=20,
        warn=False,
    ),
    Counter(
        key="people.without_attestable",
        label=_("children without an attestable parent"),
        count=lambda: _active_children().filter(has_attestable=False).count(),
        url=lambda: _children_url("no_attestable"),
        roles=VIEWERS,
        order=30,
    ),
    Counter(
        key="people.without_billable",
        label=_("children without a billable person"),
        count=lambda: _active_children().filter(has_billable=False).count(),
        url=lambda: _children_url("no_billable"),
        roles=VIEWERS,
        order=40,
    ),
):
    register_counter(counter)
