"""Read queries of billing: invoices with their open amount and status, a person's account."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date

from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    Expression,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from regie.attendance.models import Attendance, DayStatus
from regie.attendance.selectors import TO_FIX, DayFilters, days_matching
from regie.attendance.tasks import days_list_url
from regie.billing.models import BilledAttendance, Invoice, InvoiceLine, Kind, WriteOff
from regie.people.models import ChildPerson, Person


def _sum(queryset, field: str):
    return Coalesce(
        Subquery(
            queryset.order_by()
            .values("organisation")
            .annotate(total=Sum(field))
            .values("total")[:1],
            output_field=BigIntegerField(),
        ),
        Value(0),
        output_field=BigIntegerField(),
    )


#: Billing stands without the app that records payments: that app registers what pays an
#: invoice (:func:`register_paid_source`) and what a person's account shows of its own
#: (:func:`register_account_source`).
_paid_sources: list[Callable[[], QuerySet]] = []
_account_sources: list[Callable[[int], Iterable[tuple[tuple, AccountItem]]]] = []


def register_paid_source(source: Callable[[], QuerySet]) -> Callable[[], QuerySet]:
    """Register ``source()``: the rows (``amount_cents``) paying the invoice ``OuterRef("pk")``."""
    if source not in _paid_sources:
        _paid_sources.append(source)
    return source


def register_account_source(source):
    """Register ``source(person_id)``: ``(sort key, AccountItem)`` pairs of a person's account."""
    if source not in _account_sources:
        _account_sources.append(source)
    return source


def _paid() -> Expression:
    paid = [_sum(source(), "amount_cents") for source in _paid_sources]
    return sum(paid[1:], paid[0]) if paid else Value(0, output_field=BigIntegerField())


def with_balance(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Annotate credited, written off, paid and open cents.

    open = total − credit notes − write-offs − what the registered paid sources say (the
    allocations of payments not cancelled).
    """
    credits = Invoice.objects.filter(credit_of=OuterRef("pk"), posted_at__isnull=False)
    write_offs = WriteOff.objects.filter(invoice=OuterRef("pk"))
    return invoices.annotate(
        credited_cents=_sum(credits, "total_cents"),
        written_off_cents=_sum(write_offs, "amount_cents"),
        paid_cents=_paid(),
    ).annotate(
        open_cents=F("total_cents") - F("credited_cents") - F("written_off_cents") - F("paid_cents")
    )


class Status:
    DRAFT = "draft"
    OPEN = "open"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    CREDITED = "credited"
    CREDIT_NOTE = "credit_note"

    LABELS = {
        DRAFT: _("draft"),
        OPEN: _("open"),
        PARTLY_PAID: _("partly paid"),
        PAID: _("paid"),
        OVERDUE: _("overdue"),
        CREDITED: _("credited"),
        CREDIT_NOTE: _("credit note"),
    }


def status_of(invoice: Invoice, today: date | None = None) -> str:
    """Return the status of an invoice annotated by :func:`with_balance`."""
    today = today or date.today()
    if invoice.kind == Kind.CREDIT_NOTE:
        return Status.CREDIT_NOTE
    if not invoice.is_posted:
        return Status.DRAFT
    if invoice.credited_cents and invoice.credited_cents >= invoice.total_cents:
        return Status.CREDITED
    if invoice.open_cents <= 0:
        return Status.PAID
    if invoice.due_date < today:
        return Status.OVERDUE
    if invoice.paid_cents:
        return Status.PARTLY_PAID
    return Status.OPEN


def open_items(person_id: int) -> list[Invoice]:
    """Return a person's posted invoices with something still open, oldest due date first."""
    invoices = with_balance(
        Invoice.objects.filter(person_id=person_id, kind=Kind.INVOICE, posted_at__isnull=False)
    )
    return list(invoices.filter(open_cents__gt=0).order_by("due_date", "pk"))


def with_status(invoices: QuerySet[Invoice], status: str, today: date | None = None):
    """Keep the invoices (annotated by :func:`with_balance`) that :func:`status_of` gives
    ``status``; an unknown status keeps them all."""
    conditions = status_conditions(today)
    return invoices.filter(conditions[status]) if status in conditions else invoices


def status_conditions(today: date | None = None) -> dict[str, Q]:
    """Return each status's condition on invoices annotated by :func:`with_balance`, as
    :func:`status_of` decides it (the conditions exclude each other)."""
    today = today or date.today()
    posted = Q(kind=Kind.INVOICE, posted_at__isnull=False)
    credited = Q(credited_cents__gt=0, credited_cents__gte=F("total_cents"))
    unpaid = posted & ~credited & Q(open_cents__gt=0) & Q(due_date__gte=today)
    whole = Q(paid_cents=0)
    return {
        Status.DRAFT: Q(kind=Kind.INVOICE, posted_at__isnull=True),
        Status.CREDIT_NOTE: Q(kind=Kind.CREDIT_NOTE),
        Status.CREDITED: posted & credited,
        Status.PAID: posted & ~credited & Q(open_cents__lte=0),
        Status.OVERDUE: posted & ~credited & Q(open_cents__gt=0, due_date__lt=today),
        Status.PARTLY_PAID: unpaid & ~whole,
        Status.OPEN: unpaid & whole,
    }


def with_line_count(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Annotate the number of lines of each invoice."""
    lines = (
        InvoiceLine.objects.filter(invoice=OuterRef("pk"))
        .order_by()
        .values("invoice")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return invoices.annotate(line_count=Coalesce(Subquery(lines), Value(0)))


@dataclass(frozen=True)
class AccountItem:
    """One movement of a person's account; ``amount_cents`` is positive when owed."""

    day: date
    kind: str
    document: str
    amount_cents: int
    invoice_id: int | None = None
    balance_cents: int = 0

    LABELS = {
        Kind.INVOICE: _("invoice"),
        Kind.CREDIT_NOTE: _("credit note"),
        "write_off": _("write-off"),
        "write_off_reverse": _("write-off reversed"),
        "payment": _("payment"),
        "refund": _("refund"),
    }

    @property
    def label(self) -> str:
        return self.LABELS[self.kind]


def account_items(person_id: int) -> list[AccountItem]:
    """Return a person's posted invoices, credit notes, write-offs and what the registered
    account sources add (payments not cancelled, refunds), oldest first, with the running
    balance after each."""
    movements: list[tuple[tuple, AccountItem]] = []
    for invoice in Invoice.objects.filter(person_id=person_id, posted_at__isnull=False):
        sign, order = (1, 0) if invoice.kind == Kind.INVOICE else (-1, 1)
        item = AccountItem(
            invoice.invoice_date,
            invoice.kind,
            invoice.number,
            sign * invoice.total_cents,
            invoice.pk,
        )
        movements.append(((item.day, order, invoice.pk), item))
    write_offs = WriteOff.objects.filter(invoice__person_id=person_id).select_related("invoice")
    for write_off in write_offs:
        kind = "write_off_reverse" if write_off.reverses_id else "write_off"
        number, amount = write_off.invoice.number, -write_off.amount_cents
        item = AccountItem(write_off.date, kind, number, amount, write_off.invoice_id)
        movements.append(((item.day, 2, write_off.pk), item))
    for source in _account_sources:
        movements.extend(source(person_id))
    balance, items = 0, []
    for _key, item in sorted(movements, key=lambda movement: movement[0]):
        balance += item.amount_cents
        items.append(replace(item, balance_cents=balance))
    return items


def unbilled_attendances(person_id: int) -> QuerySet[Attendance]:
    """Return the attendances not billed yet that a run would bill to this person.

    The database form of :func:`regie.billing.invoicing.billed_person`: the attendance's
    person when billable for the child, else the child's first billable person.
    """
    billable: dict[int, list[int]] = {}
    children = ChildPerson.objects.filter(person_id=person_id, billable=True).values("child_id")
    rows = ChildPerson.objects.filter(child_id__in=children, billable=True).order_by("pk")
    for child_id, other in rows.values_list("child_id", "person_id"):
        billable.setdefault(child_id, []).append(other)
    chosen = Q(pk__in=[])
    for child_id, persons in billable.items():
        named = Q(person_id=person_id)
        if persons[0] == person_id:
            named |= Q(person__isnull=True) | ~Q(person_id__in=persons)
        chosen |= Q(child_id=child_id) & named
    linked = BilledAttendance.objects.filter(attendance=OuterRef("pk"), released=False)
    return (
        Attendance.objects.filter(chosen)
        .exclude(Q(absent=True) & Q(activity__bill_absence=False))
        .exclude(Exists(linked))
        .select_related("child", "activity", "person")
        .order_by("-date", "child__first_name", "start", "pk")
    )


def move_targets(person_id: int, child_ids) -> QuerySet[Person]:
    """Return the other persons billable for at least one of these children."""
    links = ChildPerson.objects.filter(child_id__in=child_ids, billable=True)
    return (
        Person.objects.filter(pk__in=links.values("person_id"))
        .exclude(pk=person_id)
        .order_by("last_name", "first_name", "pk")
    )


@dataclass(frozen=True)
class LeftOut:
    """What a run leaves out (DOMAIN §4): its days not verified, the attendances they hold.

    ``days`` is None when only the attendances are known (a run's stored count).
    """

    days: int | None
    attendances: int
    url: str


def left_out_url(
    *, date_from: date, date_to: date, category_ids: Iterable[int], site_id: int | None = None
) -> str:
    """Return the days list of exactly the days a run of these parameters leaves out."""
    params: dict[str, object] = {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "category": sorted(category_ids),
    }
    if site_id:
        params["site"] = site_id
    return days_list_url(**params)


def run_left_out(
    *, date_from: date, date_to: date, category_ids: Iterable[int], site_id: int | None = None
) -> LeftOut:
    """Count the days of a run's categories, period and schools that are not verified, and
    the unbilled attendances of those categories they hold back (two counting queries).

    A day in error holds back its scanned attendances, not its verified registered dates
    (DOMAIN §3); a day not processed holds back all of them.
    """
    categories = tuple(sorted(category_ids))
    filters = DayFilters(
        status=TO_FIX,
        date_from=date_from,
        date_to=date_to,
        category_ids=categories,
        site_id=site_id,
    )
    days = days_matching(filters).count()
    held = BilledAttendance.objects.filter(attendance=OuterRef("pk"), released=False)
    attendances = Attendance.objects.filter(
        date__range=(date_from, date_to), activity__category_id__in=categories
    ).exclude(Q(absent=True) & Q(activity__bill_absence=False))
    if site_id:
        attendances = attendances.filter(child__site_id=site_id)
    waiting = ~Q(status=DayStatus.VERIFIED) | Q(day__status=DayStatus.NOT_PROCESSED)
    count = attendances.filter(waiting).exclude(Exists(held)).count()
    url = left_out_url(
        date_from=date_from, date_to=date_to, category_ids=categories, site_id=site_id
    )
    return LeftOut(days, count, url)
