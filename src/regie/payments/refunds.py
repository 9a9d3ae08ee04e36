"""Refunds of persons' credits and the SEPA credit transfer file that pays them (DOMAIN §6).

:func:`refund_create` records a refund and its ledger entry;
here :func:`refunds_gather` puts every refund not sent yet into one file, a batch named
``SEPA/<year>/<n>`` (gapless per organisation), and :func:`sepa_xml` writes that batch as an
ISO 20022 ``pain.001.001.09`` credit transfer initiation, the organisation's account as debtor,
validated against the schema before anyone downloads it. The file is written again from the
refunds on each download: its message id is the batch name, so a bank refuses a second upload
of the same batch as a duplicate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sepaxml
from django.db import transaction
from django.db.models import Count, F, Max, OuterRef, QuerySet, Sum
from django.utils import timezone
from lxml import etree
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from regie.billing.selectors import _sum  # one correlated-sum helper for both apps
from regie.core.errors import DomainError, gettext_noop
from regie.core.models import Organisation
from regie.core.money import format_cents
from regie.core.sequences import sequence_next
from regie.ledger.rules import refund_entry
from regie.ledger.services import entries_post
from regie.payments import routes
from regie.payments.models import Allocation, OnlineRefund, Payment, Refund
from regie.payments.services import person_credit, persons_lock
from regie.people.models import Person

SCHEMA = "pain.001.001.09"
NAMESPACE = f"urn:iso:std:iso:20022:tech:xsd:{SCHEMA}"


@transaction.atomic
def refund_create(*, person: Person, amount_cents: int, day: dt.date, iban: str = "") -> Refund:
    """Refund part or all of a person's credit by transfer (gathered later in a SEPA file)."""
    persons_lock([person.pk])
    iban = iban or person.iban
    available = person_credit(person.pk)
    if not 0 < amount_cents <= available:
        raise DomainError(
            "refund.amount",
            gettext_noop("A refund must be more than 0 and at most the credit, %(credit)s."),
            credit=format_cents(available),
        )
    if not iban:
        raise DomainError(
            "refund.no_iban",
            gettext_noop("%(person)s has no IBAN: add it to the person before refunding."),
            person=str(person),
        )
    refund = Refund.objects.create(person=person, amount_cents=amount_cents, iban=iban, date=day)
    entries_post(
        [
            refund_entry(
                document=f"REFUND{refund.pk}", day=day, person_id=person.pk, amount=amount_cents
            )
        ]
    )
    return refund


def with_credit(persons: QuerySet[Person]) -> QuerySet[Person]:
    """Annotate ``credit_cents``: paid, minus allocated, minus what the routes' kinds used
    (service files, reminder fees), minus refunded (as ``person_credit``)."""
    paid = Payment.objects.filter(person=OuterRef("pk"), cancelled_at__isnull=True)
    used = _sum(
        Allocation.objects.filter(payment__person=OuterRef("pk"), cancelled=False), "amount_cents"
    )
    for parts in routes.credit_parts():
        used += _sum(parts.filter(payment__person=OuterRef("pk")), "amount_cents")
    refunded = Refund.objects.filter(person=OuterRef("pk"))
    online = OnlineRefund.objects.filter(person=OuterRef("pk"))
    return persons.annotate(
        paid_cents=_sum(paid, "amount_cents"),
        used_cents=used,
        refunded_cents=_sum(refunded, "amount_cents") + _sum(online, "amount_cents"),
    ).annotate(credit_cents=F("paid_cents") - F("used_cents") - F("refunded_cents"))


def persons_with_credit() -> QuerySet[Person]:
    """Return the persons who have a credit, by name."""
    return (
        with_credit(Person.objects.all())
        .filter(credit_cents__gt=0)
        .order_by("last_name", "first_name", "pk")
    )


def unsent_refunds() -> QuerySet[Refund]:
    """Return the refunds not gathered into a SEPA file yet, oldest first."""
    return (
        Refund.objects.filter(batch="", cancelled_at__isnull=True)
        .select_related("person")
        .order_by("date", "pk")
    )


@dataclass(frozen=True)
class Batch:
    """A SEPA file already gathered: its name, number of transfers and total."""

    name: str
    count: int
    total_cents: int
    date: dt.date


def batches() -> list[Batch]:
    """Return the SEPA files gathered so far, the latest first."""
    rows = (
        Refund.objects.exclude(batch="")
        .order_by()
        .values("batch")
        .annotate(count=Count("pk"), total=Sum("amount_cents"), last=Max("date"))
        .values_list("batch", "count", "total", "last")
    )
    found = [Batch(*row) for row in rows]
    return sorted(found, key=lambda batch: (batch.date, batch.name), reverse=True)


@transaction.atomic
def refunds_gather(*, organisation: Organisation, today: dt.date | None = None) -> str:
    """Put every unsent refund into a new SEPA file; return its batch name.

    The file is written and validated first, so a refund whose data the bank would refuse
    stays unsent and the reason is raised.
    """
    refunds = list(unsent_refunds().select_for_update(of=("self",)))
    if not refunds:
        raise DomainError(
            "refund.nothing_to_send", gettext_noop("There is no refund waiting for a SEPA file.")
        )
    today = today or timezone.localdate()
    name = f"SEPA/{today.year}/{sequence_next(f'sepa/{today.year}'):05d}"
    sepa_xml(organisation=organisation, refunds=refunds, batch=name, today=today)
    Refund.objects.filter(pk__in=[refund.pk for refund in refunds]).update(batch=name)
    return name


def batch_refunds(batch: str) -> list[Refund]:
    """Return the refunds of a SEPA file, as they were gathered (or raise if none)."""
    refunds = list(Refund.objects.filter(batch=batch).select_related("person").order_by("pk"))
    if not batch or not refunds:
        raise DomainError(
            "refund.unknown_batch",
            gettext_noop("There is no SEPA file named %(batch)s."),
            batch=batch,
        )
    return refunds


def _bic_of(iban: str) -> str:
    """Return the BIC of an IBAN's bank when schwifty's registry knows it, else ""."""
    try:
        bic = IBAN(iban).bic
    except SchwiftyException:
        return ""
    return str(bic) if bic else ""


def _debtor(organisation: Organisation) -> dict:
    if not organisation.iban:
        raise DomainError(
            "refund.no_debtor_iban",
            gettext_noop(
                "The organisation has no IBAN: add it in the configuration before writing a "
                "SEPA file."
            ),
        )
    config = {
        "name": organisation.name,
        "IBAN": organisation.iban,
        "batch": True,
        "currency": "EUR",
    }
    bic = organisation.bic or _bic_of(organisation.iban)
    if bic:
        config["BIC"] = bic
    return config


def sepa_xml(
    *, organisation: Organisation, refunds: list[Refund], batch: str, today: dt.date | None = None
) -> bytes:
    """Return the pain.001.001.09 file paying ``refunds``, validated against the schema."""
    today = today or timezone.localdate()
    transfer = sepaxml.SepaTransfer(_debtor(organisation), schema=SCHEMA, clean=True)
    for refund in refunds:
        transfer.add_payment(
            {
                "name": refund.payee,
                "IBAN": refund.iban,
                "amount": refund.amount_cents,
                "execution_date": today,
                "description": f"{organisation.name} - {batch} - {refund.payee}",
                "endtoend_id": f"REFUND{refund.pk}",
            }
        )
    document = etree.fromstring(transfer.export(validate=False))  # noqa: S320 (our own output)
    header = document.find(f"{{{NAMESPACE}}}CstmrCdtTrfInitn/{{{NAMESPACE}}}GrpHdr")
    header.find(f"{{{NAMESPACE}}}MsgId").text = batch
    header.find(f"{{{NAMESPACE}}}CreDtTm").text = timezone.localtime().strftime("%Y-%m-%dT%H:%M:%S")
    for number, info in enumerate(document.iter(f"{{{NAMESPACE}}}PmtInfId"), start=1):
        info.text = f"{batch}-{number}"
    for agent in document.iter(f"{{{NAMESPACE}}}FinInstnId"):
        if not len(agent):  # no BIC known: the EPC rules ask for "NOTPROVIDED"
            other = etree.SubElement(agent, f"{{{NAMESPACE}}}Othr")
            etree.SubElement(other, f"{{{NAMESPACE}}}Id").text = "NOTPROVIDED"
    schema_check(document)
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)


@cache
def _schema() -> etree.XMLSchema:
    path = Path(sepaxml.__file__).parent / "schemas" / f"{SCHEMA}.xsd"
    return etree.XMLSchema(etree.parse(str(path)))  # noqa: S320 (the packaged schema)


def schema_check(document) -> None:
    """Raise a DomainError naming the first problem unless ``document`` is a valid pain.001."""
    schema = _schema()
    if not schema.validate(document):
        problem = schema.error_log.filter_from_errors()[0]
        raise DomainError(
            "refund.invalid_sepa",
            gettext_noop(
                "The SEPA file would be refused by the bank (line %(line)s: %(problem)s); "
                "check the IBANs and names of these refunds."
            ),
            line=problem.line,
            problem=problem.message,
        )
