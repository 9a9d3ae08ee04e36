"""Find the applicant of a pushed file in the registry, or create them (DOMAIN §8).

Found by national number (a natural person) or enterprise number (a company), then by
e-mail, else created through the registry's service. A person found keeps the registry's data:
what the service's system sends never overwrites what the commune's clerks maintain.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from regie.core.errors import DomainError, gettext_noop
from regie.core.validators import clean_enterprise_number, clean_national_number
from regie.people.models import Delivery, Person
from regie.people.services import person_save


@dataclass(frozen=True)
class Applicant:
    """The applicant as a service's system describes them."""

    last_name: str
    first_name: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = "BE"
    email: str = ""
    language: str = "fr"
    national_number: str = ""
    enterprise_number: str = ""


def _identifier(cleaner, value: str, code: str) -> str:
    if not value:
        return ""
    try:
        return cleaner(value)
    except ValidationError as error:
        template = gettext_noop("The applicant's identifier is refused: %(reason)s")
        raise DomainError(code, template, reason=error.messages[0]) from None


def applicant_identifiers(applicant: Applicant) -> tuple[str, str]:
    """Return the applicant's national and enterprise numbers cleaned (empty when not given),
    or refuse a wrong one."""
    national = _identifier(
        clean_national_number, applicant.national_number, "fees.applicant_national_number"
    )
    enterprise = _identifier(
        clean_enterprise_number, applicant.enterprise_number, "fees.applicant_enterprise_number"
    )
    return national, enterprise


def applicant_person(applicant: Applicant) -> Person:
    """Return the registry's person of ``applicant``, created when nobody matches."""
    national, enterprise = applicant_identifiers(applicant)
    people = Person.objects.filter(is_active=True).order_by("pk")
    if national and (found := people.filter(national_number=national).first()):
        return found
    if enterprise and (found := people.filter(enterprise_number=enterprise).first()):
        return found
    if applicant.email and (found := people.filter(email__iexact=applicant.email).first()):
        return found
    return applicant_new(applicant, national, enterprise)


def applicant_new(applicant: Applicant, national: str, enterprise: str) -> Person:
    """Register ``applicant`` in the registry (its identifiers already cleaned)."""
    person = Person(
        last_name=applicant.last_name.strip(),
        first_name=applicant.first_name.strip(),
        street=applicant.street,
        postcode=applicant.postcode,
        city=applicant.city,
        country=applicant.country or "BE",
        email=applicant.email,
        language=applicant.language if applicant.language in ("fr", "nl", "de") else "fr",
        national_number=national,
        enterprise_number=enterprise,
        delivery=Delivery.EMAIL if applicant.email else Delivery.POST,
    )
    try:
        return person_save(person=person)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DomainError(
            "fees.applicant_invalid",
            gettext_noop("The applicant cannot be registered (%(field)s): %(reason)s"),
            field=field,
            reason=messages[0],
        ) from None
