"""Writes of the registry: each service runs in one transaction and checks the rules."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from regie.core.errors import DomainError, gettext_noop
from regie.core.services import record_save
from regie.people.models import Child, ChildPerson, Person, SchoolClass, SchoolSite, TariffCategory

# Other apps (attendance, billing, dunning) register a guard that returns, for a link, the
# reasons why its person may not stop being billable (unbilled attendances, open items...).
BillableGuard = Callable[[ChildPerson], list[str]]
_billable_guards: list[BillableGuard] = []


def register_billable_guard(guard: BillableGuard) -> BillableGuard:
    """Register ``guard``; usable as a decorator."""
    if guard not in _billable_guards:
        _billable_guards.append(guard)
    return guard


def billable_blockers(link: ChildPerson) -> list[str]:
    """Return why ``link``'s person must stay billable for its child (empty: free to change)."""
    reasons: list[str] = []
    for guard in _billable_guards:
        reasons.extend(guard(link))
    return reasons


def _refuse_if_blocked(link: ChildPerson) -> None:
    reasons = billable_blockers(link)
    if reasons:
        raise DomainError(
            "people.billable_in_use",
            gettext_noop(
                "%(person)s must stay billable for %(child)s: %(reasons)s. Bill, move or "
                "settle these first."
            ),
            person=str(link.person),
            child=str(link.child),
            reasons="; ".join(reasons),
        )


@transaction.atomic
def link_save(*, link: ChildPerson) -> ChildPerson:
    """Save a child–person link, refusing to drop the billable flag while it is in use."""
    if link.pk:
        previous = ChildPerson.objects.select_for_update().get(pk=link.pk)
        if previous.billable and not link.billable:
            _refuse_if_blocked(previous)
    link.save()
    return link


@transaction.atomic
def link_delete(*, link: ChildPerson) -> None:
    """Delete a child–person link, refusing while its billable person is in use."""
    if link.billable:
        _refuse_if_blocked(link)
    link.delete()


# -- Records of the registry: each validated by its model's rules, then saved -------------------


@transaction.atomic
def site_save(*, site: SchoolSite) -> SchoolSite:
    """Create or change a school site (its name unique in the organisation)."""
    return record_save(site)


@transaction.atomic
def class_save(*, school_class: SchoolClass) -> SchoolClass:
    """Create or change a class of a school site."""
    return record_save(school_class)


@transaction.atomic
def tariff_category_save(*, category: TariffCategory) -> TariffCategory:
    """Create or change a tariff category (its code unique in the organisation)."""
    return record_save(category)


@transaction.atomic
def person_save(*, person: Person) -> Person:
    """Create or change a person: national number, IBAN, phone and delivery rules checked."""
    return record_save(person)


@transaction.atomic
def child_save(*, child: Child) -> Child:
    """Create or change a child: national number against the birth date, class and site."""
    return record_save(child)
