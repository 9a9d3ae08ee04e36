"""Files of a service, pushed by its own software (the permit system) (DOMAIN §8).

Only a service's token (``svc_…``) may call these operations, and it sees its own service's
files only: the service, like the organisation, comes from the token. A push is idempotent:
the same file pushed again changes nothing and gets the same answer (200 instead of 201).
A new version (``PUT``) replaces the amounts while nothing is paid, invoiced or cancelled;
otherwise it is refused (409) with a named reason. Every answer gives the file's state,
amount, structured communication and the applicant's payment link.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Router, Schema, Status
from pydantic import Field, field_validator

from regie.api.auth import caller_require
from regie.api.errors import ApiError, ErrorOut, InvalidOut
from regie.core.badinput import NUL_REFUSED
from regie.core.errors import DomainError, gettext_noop
from regie.core.money import format_cents
from regie.fees import rules
from regie.fees.applicants import Applicant
from regie.fees.models import ServiceFile
from regie.fees.services import (
    SERVICE_INACTIVE,
    UNKNOWN_FILE,
    FileData,
    Outcome,
    file_cancel,
    file_push,
)
from regie.fees.urls import payment_path

router = Router(tags=["service files"])

FILE_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"
RESERVED_ID = "batch"  # the path of the batches, POST /files/batch
PUSH_REFUSED = DomainError(
    "api.service_token_required",
    gettext_noop("Files are pushed with the token of their service (svc_…), not a user's."),
)
#: Refusals that depend on the file's state: the request was right, the file has moved on.
CONFLICTS = {"fees.file_exists", *dict(rules.VERSION_REFUSALS.values()), "fees.cancel_paid"}
CONFLICTS |= {"fees.cancel_invoiced"}


class ApplicantIn(Schema):
    """A natural person (names, address, e-mail, language, optional national number) or a
    company (its name as ``last_name`` and its enterprise number)."""

    last_name: str = Field(min_length=1, max_length=100, description="or the company's name")
    first_name: str = Field("", max_length=100)
    street: str = Field("", max_length=200)
    postcode: str = Field("", max_length=10)
    city: str = Field("", max_length=100)
    country: str = Field("BE", pattern=r"^[A-Z]{2}$")
    email: str = Field("", max_length=254)
    language: str = Field("fr", pattern=r"^(fr|nl|de)$")
    national_number: str = Field("", max_length=20)
    enterprise_number: str = Field("", max_length=20, description="BCE/KBO, check digits checked")


class LineIn(Schema):
    label: str = Field(min_length=1, max_length=200)
    quantity: Decimal = Field(gt=0, le=1_000_000, max_digits=10, decimal_places=3)
    unit_price_cents: int = Field(ge=0, le=rules.MAX_CENTS, description="VAT included")
    vat_rate: Decimal | None = Field(
        None, description="0, 6, 12 or 21 (percent); absent: the service's rate"
    )


class VersionIn(Schema):
    """What a file holds (a new version sends all of it again)."""

    applicant: ApplicantIn
    description: str = Field(min_length=1, max_length=300)
    date_from: date | None = None
    date_to: date | None = None
    lines: list[LineIn] = Field(min_length=1, max_length=rules.MAX_LINES)
    way: str | None = Field(
        None, pattern=r"^(advance|afterwards)$", description="absent: the service's default"
    )


class FileIn(VersionIn):
    external_id: str = Field(
        pattern=FILE_ID,
        description="the file's id in your system (not “batch”: /files/batch is the batches')",
    )

    @field_validator("external_id")
    @classmethod
    def not_reserved(cls, value: str) -> str:
        """Refuse ``batch``: ``/files/batch`` could not read, version or cancel it."""
        if value == RESERVED_ID:
            raise ValueError(f"“{RESERVED_ID}” is reserved: use another id")
        return value


class LineOut(Schema):
    label: str
    quantity: Decimal
    unit_price_cents: int
    vat_rate: Decimal
    amount_cents: int


class FileOut(Schema):
    """A file as Regie holds it: pay ``amount_cents`` with ``communication``, or online at
    ``payment_url``."""

    external_id: str
    service: str
    state: str = Field(description="awaiting_payment, paid, to_invoice, invoiced or cancelled")
    version: int
    amount_cents: int
    amount: str = Field(description="the amount as the applicant reads it, e.g. 30,00 €")
    communication: str = Field(description="structured communication, +++ddd/dddd/ddddd+++")
    due_date: date | None
    way: str
    payment_url: str | None = Field(description="the applicant's payment page (paid in advance)")
    paid_at: datetime | None
    cancelled_at: datetime | None
    lines: list[LineOut]


ANSWERS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: InvalidOut}
ANSWERS |= {400: ErrorOut}


@router.post(
    "/files",
    response={200: FileOut, 201: FileOut, **ANSWERS},
    summary="Push a file",
)
def file_post(request, body: FileIn):
    """Push a file: 201 when it is new, 200 with the same answer when it was pushed already.

    A different file under a known id is refused (409 ``fees.file_exists``): push it as a new
    version with ``PUT /files/{external_id}``.
    """
    service = caller_service(request)
    file, outcome = _push(service, body.external_id, body, new_version=False)
    return Status(201 if outcome == Outcome.CREATED else 200, file_out(request, file))


@router.put(
    "/files/{external_id}",
    response={200: FileOut, **ANSWERS},
    summary="Push a new version of a file",
)
def file_put(request, external_id: str, body: VersionIn):
    """Replace a file's lines and amount by a new version, with a new communication.

    Refused (409) once the file is paid, invoiced, cancelled or exported, with a named reason;
    the same version pushed twice changes nothing.
    """
    service = caller_service(request)
    file, _outcome = _push(service, external_id, body, new_version=True)
    return file_out(request, file)


@router.post(
    "/files/{external_id}/cancel",
    response={200: FileOut, **ANSWERS},
    summary="Cancel a file",
)
def file_cancel_post(request, external_id: str):
    """Cancel a file nothing paid or invoiced yet; cancelling again changes nothing."""
    file = _found(caller_service(request), external_id)
    file, _outcome = _refusing(file_cancel, file=file)
    return file_out(request, file)


@router.get(
    "/files/{external_id}",
    response={200: FileOut, **ANSWERS},
    summary="Read a file's state",
)
def file_get(request, external_id: str):
    """Return a file's state, amount, communication and payment link."""
    return file_out(request, _found(caller_service(request), external_id))


def caller_service(request):
    """Return the service whose token calls (a user's token or a device is refused)."""
    caller = caller_require(request, "fees.push", PUSH_REFUSED)
    if not caller.service.is_active:
        raise ApiError(403, SERVICE_INACTIVE)
    return caller.service


def _found(service, external_id: str) -> ServiceFile:
    file = ServiceFile.objects.filter(service=service, external_id=external_id).first()
    if file is None:
        raise ApiError(404, UNKNOWN_FILE)
    return file


def _push(service, external_id: str, body: VersionIn, *, new_version: bool):
    if holds_nul(body.dict()):
        raise ApiError(400, NUL_REFUSED)
    data = file_data(service, external_id, body)
    return _refusing(file_push, service=service, data=data, new_version=new_version)


def holds_nul(value) -> bool:
    r"""Return whether a JSON value holds a NUL character in a text (PostgreSQL's text cannot).

    >>> holds_nul({"lines": [{"label": "a\x00"}]}), holds_nul({"a": ["b", 1, None]})
    (True, False)
    """
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(key) or holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(holds_nul(item) for item in value)
    return False


def file_data(service, external_id: str, body: VersionIn) -> FileData:
    """Return the file a request's body describes (a line without rate: the service's)."""
    return FileData(
        external_id=external_id,
        applicant=Applicant(**body.applicant.dict()),
        description=body.description,
        lines=tuple(
            rules.Line(
                line.label,
                line.quantity,
                line.unit_price_cents,
                service.vat_rate if line.vat_rate is None else line.vat_rate,
            )
            for line in body.lines
        ),
        way=body.way or "",
        date_from=body.date_from,
        date_to=body.date_to,
    )


def refusal_status(error: DomainError) -> int:
    """Return the status that answers a refusal of the fees' services."""
    if error.code == UNKNOWN_FILE.code:
        return 404
    return 409 if error.code in CONFLICTS else 400


def _refusing(service_call, **kwargs):
    """Call a service; answer its refusals with the status that fits them."""
    try:
        return service_call(**kwargs)
    except DomainError as error:
        raise ApiError(refusal_status(error), error) from error


def file_out(request, file: ServiceFile) -> dict:
    """Return a file and its current lines as plain data (inside the organisation's scope)."""
    lines = getattr(file, "current_lines", None)  # just written by the push: not read again
    if lines is None:
        lines = file.versions.get(number=file.version).lines.all()
    path = payment_path(file)
    return {
        "external_id": file.external_id,
        "service": file.service.name,
        "state": file.state,
        "version": file.version,
        "amount_cents": file.amount_cents,
        "amount": format_cents(file.amount_cents),
        "communication": file.formatted_communication,
        "due_date": file.due_date,
        "way": file.way,
        "payment_url": request.build_absolute_uri(path) if path else None,
        "paid_at": file.paid_at,
        "cancelled_at": file.cancelled_at,
        "lines": [
            {
                "label": line.label,
                "quantity": line.quantity,
                "unit_price_cents": line.unit_cents,
                "vat_rate": line.vat_rate,
                "amount_cents": line.amount_cents,
            }
            for line in lines
        ],
    }
