"""Writers of tax certificates: the yearly daily maximum, the preview and the batch of a year.

The preview and the batch run the same rules over the same figures; the preview writes
nothing, the batch stores every certificate and every problem found, all at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from regie.certificates import rules, selectors
from regie.certificates.models import BatchStatus, Certificate, CertificateBatch, DailyMaximum
from regie.core.errors import DomainError, gettext_noop
from regie.core.money import format_cents
from regie.people.models import Child, Person

NOT_ATTESTABLE = gettext_noop(
    "%(person)s paid %(amount)s in %(year)s for %(child)s (days of care: %(days)s) but is not "
    "attestable: no certificate. If this person bears the costs, tick “attestable” on the "
    "link between them."
)
OVER_AGE_LIMIT = gettext_noop(
    "%(child)s is over the age limit from %(limit)s: %(amount)s received (days of care: "
    "%(days)s) is not certified. If the child has a severe disability, tick it on the child's page "
    "(the limit is then 21)."
)
NO_NATIONAL_NUMBER = gettext_noop(
    "%(person)s has no national number: the certificate for %(child)s cannot go to the tax "
    "administration. Add the number on the person's page."
)


@dataclass
class Preview:
    """What a batch would hold: its certificates and every problem, each with what to fix."""

    year: int
    daily_max_cents: int
    certificates: list[rules.Certificate] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total_cents(self) -> int:
        return sum(certificate.total_cents for certificate in self.certificates)


@transaction.atomic
def daily_maximum_save(*, year: int, cents: int) -> DailyMaximum:
    """Set the legal daily maximum of an income year (replacing the one set before)."""
    maximum = DailyMaximum.objects.filter(year=year).first() or DailyMaximum(year=year)
    maximum.cents = cents
    maximum.full_clean()
    maximum.save()
    return maximum


def daily_maximum_of(year: int) -> int:
    """Return the daily maximum of ``year`` in cents; refuse when it is not set."""
    cents = DailyMaximum.objects.filter(year=year).values_list("cents", flat=True).first()
    if cents is None:
        raise DomainError(
            "certificates.no_daily_maximum",
            gettext_noop(
                "Set the legal daily maximum of %(year)s before building its certificates."
            ),
            year=year,
        )
    return cents


def certificates_preview(*, year: int) -> Preview:
    """Return the certificates of an income year and every problem, writing nothing."""
    daily_max = daily_maximum_of(year)
    certificates, problems = rules.certify(selectors.payers(year), daily_max)
    preview = Preview(year=year, daily_max_cents=daily_max)
    people = _names(certificates, problems)
    preview.certificates = sorted(
        certificates, key=lambda c: (people.sort_key(c.person, c.child), c.rank)
    )
    preview.problems = [people.problem(problem, year) for problem in problems]
    preview.problems += people.missing_national_numbers(preview.certificates)
    return preview


@transaction.atomic
def batch_create(
    *, year: int, user=None, advance: Callable[[int], None] | None = None
) -> CertificateBatch:
    """Build and store the certificates of an income year, with every problem found."""
    preview = certificates_preview(year=year)
    batch = CertificateBatch(
        year=year,
        daily_max_cents=preview.daily_max_cents,
        problems=preview.problems,
        created_by=user,
        status=BatchStatus.DONE,
    )
    batch.full_clean()
    batch.save()
    rows = [
        Certificate(
            organisation=batch.organisation,
            batch=batch,
            sequence=sequence,
            person_id=certificate.person,
            child_id=certificate.child,
            periods=[_period_json(period) for period in certificate.periods],
            total_cents=certificate.total_cents,
        )
        for sequence, certificate in enumerate(preview.certificates, start=1)
    ]
    Certificate.objects.bulk_create(rows, batch_size=2000)
    if advance:
        advance(len(rows))
    return batch


def _period_json(period: rules.Period) -> dict[str, Any]:
    return {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "days": period.days,
        "daily": period.daily_cents,
        "amount": period.amount_cents,
    }


class _Names:
    """Names and links of the persons and children the certificates and problems speak of."""

    def __init__(self, person_ids: set, child_ids: set) -> None:
        shown = ("last_name", "first_name")
        self.persons = Person.objects.only(*shown, "national_number").in_bulk(person_ids)
        self.children = Child.objects.only(*shown).in_bulk(child_ids)
        self.pages: dict[type, str] = {}

    def sort_key(self, person_id: int, child_id: int) -> tuple:
        person, child = self.persons[person_id], self.children[child_id]
        return (person.last_name, person.first_name, person.pk, child.first_name, child.pk)

    def problem(self, problem: rules.Problem, year: int) -> dict[str, Any]:
        person, child = self.persons[problem.person], self.children[problem.child]
        params = {
            "person": str(person),
            "child": str(child),
            "amount": format_cents(problem.amount_cents),
            "days": problem.days,
            "year": year,
        }
        if problem.code == "over_age_limit":
            params["limit"] = f"{problem.limit_date:%d/%m/%Y}"
            return _problem("certificates.over_age_limit", OVER_AGE_LIMIT, params, self.page(child))
        return _problem("certificates.not_attestable", NOT_ATTESTABLE, params, self.page(child))

    def missing_national_numbers(self, certificates) -> list[dict[str, Any]]:
        found = []
        for key in dict.fromkeys((c.person, c.child) for c in certificates):
            person, child = self.persons[key[0]], self.children[key[1]]
            if not person.national_number:
                params = {"person": str(person), "child": str(child)}
                code = "certificates.no_national_number"
                found.append(_problem(code, NO_NATIONAL_NUMBER, params, self.page(person)))
        return found

    def page(self, obj) -> str:
        """Return the page of a person or a child; the address resolved once per model
        (``reverse`` for each of a large commune's 15,000 problems cost seconds)."""
        model = type(obj)
        if model not in self.pages:
            self.pages[model] = model(pk=_SLOT).get_absolute_url()
        return self.pages[model].replace(f"/{_SLOT}/", f"/{obj.pk}/")


def _names(certificates, problems) -> _Names:
    persons = {c.person for c in certificates} | {p.person for p in problems}
    children = {c.child for c in certificates} | {p.child for p in problems}
    return _Names(persons, children)


_SLOT = 987654321987  # an id no row has, replaced in the address of a person's or child's page


def _problem(code: str, template: str, params: dict, fix: str) -> dict[str, Any]:
    """Return a problem as stored data: code, template, parameters and the page that fixes it."""
    return {**DomainError(code, template, **params).to_dict(), "fix_url": fix}
