"""The yearly Belcotax file of a batch: its certificates turned into a :class:`Filing`."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from regie.certificates.belcotax import COUNTRY_CODES, WRITERS, Filing, Sender, Slip, SlipPeriod
from regie.certificates.models import Certificate, CertificateBatch
from regie.core.errors import DomainError, gettext_noop

LISTED = 10  # names given in a refusal; "and N more" after them


def filing_of(
    batch: CertificateBatch, *, phone: str, contact: str, email: str, test: bool = False
) -> Filing:
    """Return the filing of a batch; refuse it, naming them, while a slip lacks what SPF needs."""
    organisation = batch.organisation
    sender = Sender(
        name=organisation.name,
        street=organisation.street,
        postcode=organisation.postcode,
        city=organisation.city,
        enterprise_number=organisation.enterprise_number.replace(".", "").replace(" ", ""),
        phone=phone,
        contact=contact,
        email=email,
        language=organisation.language if organisation.language in ("fr", "nl", "de") else "fr",
    )
    certificates = Certificate.objects.filter(batch=batch).select_related("person", "child")
    slips = [_slip(certificate) for certificate in certificates.order_by("sequence")]
    _refuse_incomplete(slips)
    return Filing(batch.year, timezone.localdate(), sender, slips, test=test)


def filing_file(filing: Filing, kind: str = "xml") -> tuple[bytes, str, str]:
    """Return the file of a filing: its bytes, media type and name."""
    writer = WRITERS[kind]
    name = f"belcotax-28186-{filing.year}.{writer.extension}"
    return writer.write(filing), writer.media_type, name


def _slip(certificate: Certificate) -> Slip:
    person, child = certificate.person, certificate.child
    return Slip(
        sequence=certificate.sequence,
        reference=certificate.reference,
        national_number=person.national_number,
        last_name=person.last_name,
        first_name=person.first_name,
        street=person.street,
        postcode=person.postcode,
        city=person.city,
        country=person.country or "BE",
        child_last_name=child.last_name,
        child_first_name=child.first_name,
        child_birth_date=child.birth_date,
        child_national_number=child.national_number,
        periods=[
            SlipPeriod(
                start=date.fromisoformat(period["start"]),
                end=date.fromisoformat(period["end"]),
                days=period["days"],
                daily_cents=period["daily"],
                amount_cents=period["amount"],
            )
            for period in certificate.periods
        ],
    )


def _refuse_incomplete(slips: list[Slip]) -> None:
    wrong = [
        f"{slip.first_name} {slip.last_name}".strip()
        for slip in slips
        if not slip.national_number or not slip.street or slip.country not in COUNTRY_CODES
    ]
    if wrong:
        names = ", ".join(dict.fromkeys(wrong[:LISTED]))
        more = len(wrong) - min(len(wrong), LISTED)
        raise DomainError(
            "certificates.filing_incomplete",
            gettext_noop(
                "The file cannot be made: %(names)s (and %(more)s more) lack a national "
                "number, an address, or live in a country Regie cannot code yet (Belgium, "
                "France, Germany, Luxembourg and the Netherlands are coded). Complete them "
                "and build the certificates again."
            ),
            names=names,
            more=more,
        )
