"""Writers of services and their files (DOMAIN §8): the only code that changes them.

A push is idempotent: the same file pushed again (same fingerprint of what was sent) changes
nothing and answers the same; a different push of a known file is refused unless it is a new
version, which replaces the amounts while nothing is paid, invoiced or cancelled.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from regie.billing.numbering import communications_next
from regie.core.errors import DomainError, gettext_noop
from regie.core.services import record_save
from regie.fees import rules
from regie.fees.applicants import Applicant, applicant_person
from regie.fees.models import (
    FileLine,
    FilePayment,
    FileState,
    FileVersion,
    Service,
    ServiceFile,
    Way,
)


@dataclass(frozen=True)
class FileData:
    """A file as a service's system pushes it."""

    external_id: str
    applicant: Applicant
    description: str
    lines: tuple[rules.Line, ...]
    way: str = ""  # empty: the service's default way of paying
    date_from: date | None = None
    date_to: date | None = None

    def pushed(self) -> dict:
        """Return what was pushed as JSON data (its fingerprint makes pushes idempotent).

        Written out field by field (``dataclasses.asdict`` cost a tenth of a push); the
        fingerprints of files pushed before must not change, which a test pins.
        """
        return {
            "external_id": self.external_id,
            "applicant": dict(vars(self.applicant)),
            "description": self.description,
            "lines": [
                {
                    "label": line.label,
                    "quantity": str(line.quantity.normalize()),
                    "unit_cents": line.unit_cents,
                    "vat_rate": str(line.vat_rate.normalize()),
                }
                for line in self.lines
            ],
            "way": self.way,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
        }


QUANTITY, RATE = Decimal("0.001"), Decimal("0.01")

#: Called with the files a push (or a batch of pushes) created or gave a new version, in the
#: push's transaction (the fees app registers the sending of the payment requests).
ON_PUSHED: list[Callable[[list[ServiceFile]], object]] = []


class Outcome(StrEnum):
    CREATED = "created"
    NEW_VERSION = "new_version"
    UNCHANGED = "unchanged"
    CANCELLED = "cancelled"


FILE_EXISTS = DomainError(
    "fees.file_exists",
    gettext_noop(
        "This service already has a different file with this reference (external_id): push it "
        "as a new version (PUT), or use another reference."
    ),
)
UNKNOWN_FILE = DomainError(
    "fees.unknown_file", gettext_noop("This service has no file with this reference (external_id).")
)
SERVICE_INACTIVE = DomainError(
    "fees.service_inactive",
    gettext_noop("The service is deactivated: ask the finance officer to reactivate it."),
)


@transaction.atomic
def service_save(*, service: Service) -> Service:
    """Create or change a service; give it a signing secret for its call-backs."""
    if not service.callback_secret:
        service.callback_secret = secrets.token_hex(32)
    return record_save(service)


@transaction.atomic
def service_token_new(*, service: Service) -> str:
    """Give the service's system a new token (the old one stops at once); return it once."""
    token = service.new_token()
    service.save(update_fields=["token_hash", "token_hint"])
    return token


def paid_cents(file: ServiceFile) -> int:
    """Return what live payments paid of a file."""
    paid = FilePayment.objects.filter(file=file, cancelled=False).aggregate(t=Sum("amount_cents"))
    return paid["t"] or 0


def file_push(
    *, service: Service, data: FileData, new_version: bool = False
) -> tuple[ServiceFile, Outcome]:
    """Store a pushed file (or, with ``new_version``, a new version of a known one).

    Return the file and what happened; the same push twice is ``unchanged`` the second time.
    """
    if not service.is_active:
        raise SERVICE_INACTIVE
    file_check(data)
    pushed = data.pushed()
    digest = rules.push_digest(pushed)
    for _attempt in range(2):  # a concurrent first push of the same id: read it the 2nd time
        try:
            with transaction.atomic():
                file, outcome = _push(service, data, pushed, digest, new_version)
                if outcome in (Outcome.CREATED, Outcome.NEW_VERSION):
                    for hook in ON_PUSHED:  # the version's payment request, e-mailed
                        hook([file])
                return file, outcome
        except IntegrityError:
            continue
    raise FILE_EXISTS


def file_check(data: FileData) -> None:
    """Refuse a pushed file whose lines, dates, description or way of paying are wrong."""
    errors = rules.lines_errors(data.lines)
    if error := rules.dates_error(data.date_from, data.date_to):
        errors.append(error)
    if not data.description.strip():
        errors.append(
            DomainError("fees.no_description", gettext_noop("The file has no description."))
        )
    if data.way and data.way not in Way.values:
        errors.append(
            DomainError(
                "fees.bad_way",
                gettext_noop("The way of paying is “advance” or “afterwards”."),
            )
        )
    if errors:
        raise errors[0]


def _push(service, data: FileData, pushed: dict, digest: str, new_version: bool):
    file = (
        ServiceFile.objects.select_for_update()
        .filter(service=service, external_id=data.external_id)
        .first()
    )
    if file is None:
        if new_version:
            raise UNKNOWN_FILE
        return _create(service, data, pushed, digest), Outcome.CREATED
    current = file.versions.order_by("-number").first()
    if current.digest == digest:
        return file, Outcome.UNCHANGED
    if not new_version:
        raise FILE_EXISTS
    if refusal := rules.version_refusal(file.state, paid_cents(file), _exported(file)):
        raise refusal
    _version(file, data, pushed, digest, file.version + 1)
    return file, Outcome.NEW_VERSION


def _exported(file: ServiceFile) -> bool:
    """Whether a file travelled in an accounting export (a file paid in advance, once paid)."""
    from regie.exports.models import ExportItem
    from regie.fees.exporting import file_key

    return ExportItem.objects.filter(source=file_key(file.pk)).exists()


def _create(service: Service, data: FileData, pushed: dict, digest: str) -> ServiceFile:
    file = file_new(service, data, applicant_person(data.applicant))
    _version(file, data, pushed, digest, 1)  # the file is written once, with its figures
    return file


def file_new(service: Service, data: FileData, person) -> ServiceFile:
    """Return a new file of ``service`` for ``person`` (not written: it has no version yet)."""
    way = data.way or service.default_way
    return ServiceFile(
        organisation_id=service.organisation_id,
        service=service,
        external_id=data.external_id,
        person=person,
        way=way,
        state=FileState.AWAITING_PAYMENT if way == Way.ADVANCE else FileState.TO_INVOICE,
        version=0,
        pay_token=secrets.token_urlsafe(32),
    )


def version_rows(
    file: ServiceFile, data: FileData, pushed: dict, digest: str, number: int, communication: str
) -> tuple[FileVersion, list[FileLine]]:
    """Give ``file`` the figures of its version ``number``; return the version and its lines,
    not written (the version's file must be written first)."""
    amounts = [rules.line_amount(line.quantity, line.unit_cents) for line in data.lines]
    file.description = data.description.strip()[:300]
    file.date_from, file.date_to = data.date_from, data.date_to
    file.version = number
    file.amount_cents = sum(amounts)
    file.communication = communication
    file.due_date = timezone.localdate() + timedelta(days=file.service.days_to_pay)
    version = FileVersion(
        organisation_id=file.organisation_id,
        file=file,
        number=number,
        digest=digest,
        amount_cents=file.amount_cents,
        communication=communication,
        pushed=pushed,
    )
    lines = [
        FileLine(
            organisation_id=file.organisation_id,
            version=version,
            label=line.label.strip()[:200],
            quantity=line.quantity.quantize(QUANTITY),  # as the database gives it back
            unit_cents=line.unit_cents,
            vat_rate=line.vat_rate.quantize(RATE),
            amount_cents=amount,
        )
        for line, amount in zip(data.lines, amounts, strict=True)
    ]
    return version, lines


def _version(file: ServiceFile, data: FileData, pushed: dict, digest: str, number: int) -> None:
    """Write version ``number`` with its lines and communication; the file takes its figures
    (and is written: created when new). ``file.current_lines`` keeps the lines just written."""
    (communication,) = communications_next("fee", 1)
    version, lines = version_rows(file, data, pushed, digest, number, communication)
    file.save()
    version.save()
    file.current_lines = FileLine.objects.bulk_create(lines)


@transaction.atomic
def file_cancel(*, file: ServiceFile) -> tuple[ServiceFile, Outcome]:
    """Cancel a file nothing paid or invoiced yet; cancelling it again changes nothing."""
    file = ServiceFile.objects.select_for_update().get(pk=file.pk)
    if file.state == FileState.CANCELLED:
        return file, Outcome.UNCHANGED
    if refusal := rules.cancel_refusal(file.state, paid_cents(file)):
        raise refusal
    file.state = FileState.CANCELLED
    file.cancelled_at = timezone.now()
    file.save(update_fields=["state", "cancelled_at", "updated_at"])
    return file, Outcome.CANCELLED
