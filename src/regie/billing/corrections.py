"""Corrections of posted invoices: credit notes, write-offs and their reversal, moving attendances.

A posted invoice never changes; each correction is a record of its own with its ledger entry.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from regie.attendance.models import Attendance, Day, DayStatus
from regie.billing.models import (
    BilledAttendance,
    Invoice,
    InvoiceLine,
    Kind,
    WriteOff,
)
from regie.billing.numbering import invoice_numbers_next
from regie.billing.selectors import with_balance
from regie.core.errors import DomainError, gettext_noop
from regie.core.money import format_cents, split_cents
from regie.ledger.rules import credit_note_entry, write_off_entry
from regie.ledger.services import entries_post
from regie.people.models import ChildPerson
from regie.people.services import register_billable_guard


def invoice_locked(invoice: Invoice) -> Invoice:
    """Lock the invoice row and return it with its balance."""
    Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
    return with_balance(Invoice.objects.filter(pk=invoice.pk)).get()


def refuse_unless_open(invoice: Invoice) -> None:
    """Refuse to correct what is not a posted invoice, or one already credited."""
    if invoice.kind != Kind.INVOICE or not invoice.is_posted:
        raise DomainError(
            "billing.not_posted_invoice",
            gettext_noop("Only a posted invoice can be corrected; %(invoice)s is not one."),
            invoice=str(invoice),
        )
    if invoice.credited_cents:
        raise DomainError(
            "billing.already_credited",
            gettext_noop("Invoice %(invoice)s is already credited."),
            invoice=invoice.number,
        )


@transaction.atomic
def invoice_credit(*, invoice: Invoice, day: date | None = None) -> Invoice:
    """Credit an unpaid invoice in full and return its attendances to verified, to bill them
    again.

    The credit note repeats the invoice's lines; what was written off is credited too (the
    write-offs stay on record), so the invoice ends at zero. What payments allocated to it must
    have gone back to the person's credit first: releasing a paid invoice is
    :func:`regie.payments.releases.invoice_release`, which does both.
    """
    invoice = invoice_locked(invoice)
    refuse_unless_open(invoice)
    if invoice.paid_cents:
        raise DomainError(
            "billing.credit_paid",
            gettext_noop(
                "%(paid)s of invoice %(invoice)s is paid: its payments must become the "
                "person's credit before the credit note."
            ),
            paid=format_cents(invoice.paid_cents),
            invoice=invoice.number,
        )
    day = day or timezone.localdate()
    number = invoice_numbers_next("NC", day.year, 1)[0]
    credit = Invoice.objects.create(
        kind=Kind.CREDIT_NOTE,
        person_id=invoice.person_id,
        run=None,
        invoice_date=day,
        due_date=day,
        total_cents=invoice.total_cents - invoice.written_off_cents,
        credit_of=invoice,
        number=number,
    )
    lines = list(invoice.lines.all())
    written = _written_off_by_line(invoice)
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                organisation=invoice.organisation,
                invoice=credit,
                child_id=line.child_id,
                date=line.date,
                activity_id=line.activity_id,
                label=line.label,
                category_id=line.category_id,
                price_id=line.price_id,
                minutes=line.minutes,
                quantity=line.quantity,
                unit_cents=line.unit_cents,
                amount_cents=line.amount_cents - written.get(line.pk, 0),
            )
            for line in lines
        ]
    )
    Invoice.objects.filter(pk=credit.pk).update(posted_at=timezone.now())
    entries_post(
        [
            credit_note_entry(
                document=number,
                day=day,
                person_id=invoice.person_id,
                amounts_by_category=_by_category(lines, written),
            )
        ]
    )
    _release_attendances(invoice)
    return Invoice.objects.get(pk=credit.pk)


def _written_off_by_line(invoice: Invoice) -> dict[int, int]:
    totals: dict[int, int] = {}
    for write_off in WriteOff.objects.filter(invoice=invoice):
        for line_id, cents in write_off.spread.items():
            totals[int(line_id)] = totals.get(int(line_id), 0) + cents
    return totals


def _by_category(lines, minus: dict[int, int] | None = None) -> dict[int, int]:
    minus = minus or {}
    totals: dict[int, int] = {}
    for line in lines:
        amount = line.amount_cents - minus.get(line.pk, 0)
        totals[line.category_id] = totals.get(line.category_id, 0) + amount
    return {k: v for k, v in totals.items() if v}


def _release_attendances(invoice: Invoice) -> None:
    links = BilledAttendance.objects.filter(line__invoice=invoice, released=False)
    day_ids = set(links.values_list("attendance__day_id", flat=True))
    links.update(released=True)
    # Only a billed day was verified before; a day in error (its registered meal billed)
    # stays in error.
    Day.objects.filter(pk__in=day_ids, status=DayStatus.BILLED).update(status=DayStatus.VERIFIED)


@transaction.atomic
def write_off_create(
    *, invoice: Invoice, kind: str, amount_cents: int, day: date, reason: str = "", user=None
) -> WriteOff:
    """Write off part or all of an invoice's open amount, spread over its lines."""
    invoice = invoice_locked(invoice)
    refuse_unless_open(invoice)
    if not 0 < amount_cents <= invoice.open_cents:
        raise DomainError(
            "billing.write_off_amount",
            gettext_noop(
                "A write-off of invoice %(invoice)s must be more than 0 and at most its open "
                "amount, %(open)s."
            ),
            invoice=invoice.number,
            open=format_cents(invoice.open_cents),
        )
    written = _written_off_by_line(invoice)
    lines = [
        line for line in invoice.lines.order_by("pk") if line.amount_cents > written.get(line.pk, 0)
    ]
    remaining = [line.amount_cents - written.get(line.pk, 0) for line in lines]
    shares = _spread(amount_cents, remaining)
    spread = {str(line.pk): cents for line, cents in zip(lines, shares, strict=True) if cents}
    write_off = WriteOff.objects.create(
        invoice=invoice,
        kind=kind,
        date=day,
        amount_cents=amount_cents,
        reason=reason,
        spread=spread,
        created_by=user,
    )
    by_category: dict[int, int] = {}
    for line, cents in zip(lines, shares, strict=True):
        by_category[line.category_id] = by_category.get(line.category_id, 0) + cents
    entries_post(
        [
            write_off_entry(
                document=f"{invoice.number}/NV{write_off.pk}",
                day=day,
                person_id=invoice.person_id,
                amounts_by_category={k: v for k, v in by_category.items() if v},
            )
        ]
    )
    return write_off


def _spread(amount: int, weights: list[int]) -> list[int]:
    """Split ``amount`` over lines in proportion to what is left on each, never above it."""
    shares = split_cents(amount, weights) if sum(weights) else [0] * len(weights)
    return [min(share, weight) for share, weight in zip(shares, weights, strict=True)]


@transaction.atomic
def write_off_reverse(*, write_off: WriteOff, day: date, user=None) -> WriteOff:
    """Undo a write-off with its reverse (the original stays on record)."""
    if write_off.reverses_id or hasattr(write_off, "reversed_by"):
        raise DomainError(
            "billing.write_off_reversed",
            gettext_noop("This write-off is a reversal or is already reversed."),
        )
    # A credited invoice is closed: undoing its write-off would bring back a debt that the
    # credit note already cancelled (and whose attendances are billed again).
    refuse_unless_open(invoice_locked(write_off.invoice))
    reverse = WriteOff.objects.create(
        invoice=write_off.invoice,
        kind=write_off.kind,
        date=day,
        amount_cents=-write_off.amount_cents,
        reason=write_off.reason,
        spread={k: -v for k, v in write_off.spread.items()},
        reverses=write_off,
        created_by=user,
    )
    lines = {line.pk: line for line in write_off.invoice.lines.all()}
    by_category: dict[int, int] = {}
    for line_id, cents in write_off.spread.items():
        category = lines[int(line_id)].category_id
        by_category[category] = by_category.get(category, 0) + cents
    entries_post(
        [
            write_off_entry(
                document=f"{write_off.invoice.number}/NV{write_off.pk}/R",
                day=day,
                person_id=write_off.invoice.person_id,
                amounts_by_category=by_category,
                reverse=True,
            )
        ]
    )
    return reverse


@transaction.atomic
def attendances_move(*, attendance_ids: list[int], person_id: int) -> int:
    """Bill unbilled attendances to another person, billable for each child."""
    billed = BilledAttendance.objects.filter(attendance=OuterRef("pk"), released=False)
    attendances = Attendance.objects.filter(pk__in=attendance_ids)
    if attendances.filter(Exists(billed)).exists():
        raise DomainError(
            "billing.move_billed",
            gettext_noop("Billed attendances cannot move: credit their invoice first."),
        )
    children = set(attendances.values_list("child_id", flat=True))
    allowed = set(
        ChildPerson.objects.filter(
            child_id__in=children, person_id=person_id, billable=True
        ).values_list("child_id", flat=True)
    )
    if children - allowed:
        raise DomainError(
            "billing.move_not_billable",
            gettext_noop(
                "This person is not billable for every child of these attendances; tick "
                "“billable” on the link first."
            ),
        )
    return attendances.update(person_id=person_id)


@register_billable_guard
def _open_items(link: ChildPerson) -> list[str]:
    """A person with open invoices for the child must stay billable."""
    invoices = with_balance(
        Invoice.objects.filter(
            person_id=link.person_id,
            kind=Kind.INVOICE,
            posted_at__isnull=False,
            lines__child_id=link.child_id,
        ).distinct()
    ).filter(open_cents__gt=0)
    numbers = list(invoices.values_list("number", flat=True)[:5])
    if not numbers:
        return []
    from django.utils.translation import gettext

    return [gettext("open invoices %(numbers)s") % {"numbers": ", ".join(numbers)}]
