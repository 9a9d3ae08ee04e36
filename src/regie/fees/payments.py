"""What pays a service file: a payment with its communication (bank, counter, online).

The payment is first the person's credit (as payments store any routed payment); the route
registered here (:mod:`regie.payments.routes`) then uses that credit to pay the file, writes
the service's revenue to the ledger, and marks the file paid when nothing is open any more.
More than the file's amount stays the person's credit.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date

from django.db import connection, transaction
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from regie.core.errors import DomainError, gettext_noop
from regie.core.money import format_cents
from regie.core.reads import Columns, instances
from regie.core.tenancy import current_organisation
from regie.fees.models import FilePayment, FileState, FileVersion, Service, ServiceFile
from regie.fees.services import paid_cents
from regie.ledger.rules import EntryDraft, service_file_entry
from regie.ledger.services import entries_post
from regie.payments.matching import Target
from regie.payments.models import Mode, Payment
from regie.payments.routes import PaidPart, Route, payment_route
from regie.payments.services import chunked, payment_create
from regie.people.models import Person

KIND = "service_file"
COUNTER_MODES = (Mode.CASH, Mode.CARD)

#: What happens once a file is paid (the call back to its system, regie.fees.callbacks).
ON_PAID: list = []


def file_open(file: ServiceFile) -> int:
    """Return what is still to pay of a file awaiting payment (0 in any other state).

    A file read with :func:`_with_paid` has what was paid of it already; else it is read.
    """
    if file.state != FileState.AWAITING_PAYMENT:
        return 0
    paid = getattr(file, "paid_now", None)
    return max(file.amount_cents - (paid_cents(file) if paid is None else paid), 0)


def _with_paid(files):
    """Annotate files with what live payments paid of them (``paid_now``), in the same read."""
    live = FilePayment.objects.filter(file=OuterRef("pk"), cancelled=False).order_by()
    paid = live.values("file").annotate(t=Sum("amount_cents")).values("t")
    return files.annotate(paid_now=Coalesce(Subquery(paid), 0))


def _for_paying(files):
    """Files locked, with their service, what was paid of them and their current version's
    primary key (``version_pk``): what :func:`_allocate` needs, in one read."""
    current = FileVersion.objects.filter(file=OuterRef("pk"), number=OuterRef("version")).order_by()
    return (
        _with_paid(files.select_related("service"))
        .annotate(version_pk=Subquery(current.values("pk")[:1]))
        .select_for_update(of=("self",))
    )


class _Loaded(Target):
    """The target of one reference loaded alone (an online payment of a file's checkout), with
    ``loaded``: its file as the load read and locked it, for the allocation that follows to
    take once instead of reading it again (a second allocation of the file reads it), and
    ``payer``: the file's person, locked in the same statement right after the file (the
    order every payment locks in), whom the payment need not lock again."""


@functools.cache
def _alone_sql() -> tuple[str, Columns, Columns, Columns]:
    """The read of one reference's file for paying it, written out once (PostgreSQL): what
    ``_for_paying`` reads, and the person, locked right after the file (Django built this
    query, its subqueries resolved again, at every online payment: :mod:`regie.core.reads`)."""
    file, service, person = Columns(ServiceFile, "f"), Columns(Service, "s"), Columns(Person, "p")
    quote = connection.ops.quote_name
    tables = [quote(m._meta.db_table) for m in (ServiceFile, FileVersion, Service, Person)]
    payments = quote(FilePayment._meta.db_table)
    sql = (
        f"SELECT {file.sql}, {service.sql}, {person.sql}, "  # noqa: S608 (names, not data)
        f'COALESCE((SELECT SUM(fp."amount_cents") FROM {payments} fp '
        f'WHERE fp."organisation_id" = f."organisation_id" AND fp."file_id" = f."id" '
        f'AND NOT fp."cancelled"), 0)::bigint, '
        f'(SELECT c."id" FROM {tables[1]} c WHERE c."organisation_id" = f."organisation_id" '
        f'AND c."file_id" = f."id" AND c."number" = f."version" LIMIT 1) '
        f'FROM {tables[0]} f JOIN {tables[1]} v ON v."file_id" = f."id" '
        f'JOIN {tables[2]} s ON s."id" = f."service_id" '
        f'JOIN {tables[3]} p ON p."id" = f."person_id" '
        f'WHERE f."organisation_id" = %s AND v."communication" = %s '
        f'ORDER BY f."id" FOR UPDATE OF f, p'
    )
    return sql, file, service, person


def _load_alone(reference: str) -> list[ServiceFile]:
    """Lock and return the file of one reference with what paying it needs (``_for_paying``'s
    read and its person, locked after it), as ``_load`` reads it: by SQL built once on
    PostgreSQL (an online payment's), by the ORM elsewhere."""
    if connection.vendor != "postgresql":
        files = _for_paying(
            ServiceFile.objects.filter(versions__communication=reference).select_related("person")
        )
        files = files.select_for_update(of=("self", "person")).order_by("pk")
        return list(files.annotate(reference=F("versions__communication")))
    sql, *columns = _alone_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [current_organisation().pk, reference])
        rows = cursor.fetchall()
    files = []
    for row in rows:
        file, service, person = instances(row, *columns)
        ServiceFile.service.field.set_cached_value(file, service)
        ServiceFile.person.field.set_cached_value(file, person)
        file.paid_now, file.version_pk, file.reference = row[-2], row[-1], reference
        files.append(file)
    return files


def _load(references: Sequence[str]) -> dict[str, Target]:
    """Lock and return the files whose versions carry ``references`` (one read a chunk: the
    files locked in order, with what was paid of them).

    One reference alone (an online payment) is read with what paying it needs, which its
    allocation right after uses once (:class:`_Loaded`): one read of the file, not two.
    """
    if len(references) == 1:
        found = {}
        for file in _load_alone(references[0]):
            target = _Loaded(KIND, file.pk, file.person_id, file_open(file))
            target.loaded, target.payer = {file.pk: file}, file.person
            found[file.reference] = target
        return found
    found = {}
    for chunk in chunked(references):
        files = _with_paid(ServiceFile.objects.filter(versions__communication__in=chunk))
        files = files.select_for_update(of=("self",)).order_by("pk")
        for file in files.annotate(reference=F("versions__communication")):
            found[file.reference] = Target(KIND, file.pk, file.person_id, file_open(file))
    return found


def _allocate(*, payment: Payment, target: Target, day: date) -> None:
    """Pay the file of ``target`` with ``payment`` (already the person's credit).

    One read: the file (locked, as its route's load or the counter did), its service, what was
    paid of it and its current version; none when the load just read it (:class:`_Loaded`).
    """
    file = getattr(target, "loaded", {}).pop(target.id, None)  # taken once
    if file is None:
        file = _for_paying(ServiceFile.objects).get(pk=target.id)
    due = file_open(file)
    take = min(payment.amount_cents, due)
    if take <= 0:
        return
    # The current version, read in the organisation's scope with its file.
    version = FileVersion(pk=file.version_pk, organisation_id=file.organisation_id, file=file)
    FilePayment.objects.create(
        file=file, version=version, payment=payment, amount_cents=take, date=day
    )
    entries_post([_draft(file, payment, take, day)])
    if take == due:
        file.state, file.paid_at = FileState.PAID, timezone.now()
        ServiceFile.objects.filter(pk=file.pk).update(  # locked above, its links unchanged
            state=file.state, paid_at=file.paid_at, updated_at=file.paid_at
        )
        for hook in ON_PAID:
            hook(file)


def _draft(file, payment, amount: int, day: date, *, reverse: bool = False) -> EntryDraft:
    return service_file_entry(
        document=f"{file.communication}/P{payment.pk}{'/X' if reverse else ''}",
        day=day,
        person_id=file.person_id,
        category_id=file.service.category_id,
        amount=amount,
        reverse=reverse,
    )


def _credit_parts():
    """The live parts of live payments that paid files (they used the persons' credits)."""
    return FilePayment.objects.filter(payment__cancelled_at__isnull=True, cancelled=False)


def _credit_used(person_id: int) -> int:
    used = _credit_parts().filter(payment__person_id=person_id).aggregate(t=Sum("amount_cents"))
    return used["t"] or 0


def files_paid_at(until: date) -> int:
    """Return what the persons' credits paid of service files at the end of ``until`` (the
    reconciliation's credits): the parts paid by then, less those undone by then (their payment
    cancelled, or their file cancelled and refunded: the money went back to the credit)."""
    parts = FilePayment.objects.filter(date__lte=until)
    undone = parts.filter(cancelled=True).filter(
        Q(payment__cancelled_at__date__lte=until) | Q(file__cancelled_at__date__lte=until)
    )
    total = parts.aggregate(t=Sum("amount_cents"))["t"] or 0
    return total - (undone.aggregate(t=Sum("amount_cents"))["t"] or 0)


def _cancel(*, payment: Payment, day: date) -> list[EntryDraft]:
    """Undo what a payment being cancelled paid of files; a paid file awaits payment again."""
    paid = list(
        FilePayment.objects.filter(payment=payment, cancelled=False).select_related("file__service")
    )
    FilePayment.objects.filter(pk__in=[p.pk for p in paid]).update(cancelled=True)
    ServiceFile.objects.filter(pk__in=[p.file_id for p in paid], state=FileState.PAID).update(
        state=FileState.AWAITING_PAYMENT, paid_at=None
    )
    return [_draft(p.file, payment, p.amount_cents, day, reverse=True) for p in paid]


def _paid_parts(payment_id: int) -> list[PaidPart]:
    rows = FilePayment.objects.filter(payment_id=payment_id).select_related("file__service")
    return [
        PaidPart(
            _("File %(reference)s of %(service)s")
            % {"reference": row.file.external_id, "service": row.file.service.name},
            reverse("fees-files:file-detail", args=[row.file_id]),
            row.date,
            row.amount_cents,
            row.cancelled,
        )
        for row in rows.order_by("date", "pk")
    ]


FILE_ROUTE = Route(
    KIND,
    _load,
    _allocate,
    _credit_used,
    _cancel,
    _credit_parts,
    allocates_invoices=False,
    paid_parts=_paid_parts,
)

NOT_AWAITING = DomainError(
    "fees.not_awaiting_payment",
    gettext_noop("This file is not awaiting payment (it is paid, invoiced or cancelled)."),
)


@transaction.atomic
def file_pay_at_counter(
    *,
    file: ServiceFile,
    mode: str,
    day: date | None = None,
    amount_cents: int | None = None,
    user=None,
    comment: str = "",
) -> Payment:
    """Record the applicant's payment at the counter (cash, card): the open amount, or part of
    it (``amount_cents``); more than what is open is refused.

    Cash gets its printed receipt number (``REC/yyyy/nnnnn``) from the payments service.
    """
    file = ServiceFile.objects.select_for_update().select_related("service").get(pk=file.pk)
    if mode not in COUNTER_MODES:
        raise DomainError(
            "fees.counter_mode", gettext_noop("At the counter a file is paid in cash or by card.")
        )
    due = file_open(file)
    if due <= 0:
        raise NOT_AWAITING
    amount = due if amount_cents is None else amount_cents
    if not 0 < amount <= due:
        raise DomainError(
            "fees.counter_amount",
            gettext_noop("At the counter a file takes more than 0,00 and at most %(due)s."),
            due=format_cents(due),
        )
    day = day or timezone.localdate()
    payment = payment_create(
        person=file.person,
        day=day,
        amount_cents=amount,
        mode=mode,
        split={},
        comment=(comment or f"{file.service} {file.external_id}")[:300],
        user=user,
    )
    payment_route(payment, Target(KIND, file.pk, file.person_id, due), day)
    return payment
