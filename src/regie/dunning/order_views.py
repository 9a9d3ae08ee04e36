"""Enforcement order screens: the candidates for the board, the lists and their decision."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from regie.billing.models import Invoice
from regie.billing.selectors import with_balance
from regie.core.errors import DomainError
from regie.core.once import once_view
from regie.core.views import require_capability
from regie.dunning.collection import reminder_items
from regie.dunning.forms import BailiffFeeForm, DecisionForm
from regie.dunning.models import Debtor, DebtorKind, Reminder
from regie.dunning.order_models import EnforcementOrder, OrderList, OrderListStatus
from regie.dunning.orders import (
    bailiff_fee_record,
    held_elsewhere,
    order_candidates,
    order_list_create,
    order_list_endorse,
)
from regie.exports.lists import ListColumn, export_answer, export_query, wants_export
from regie.exports.xlsx import DATE, MONEY


def _with_open(notices):
    """Give each formal notice its invoices still open (and not already under an order or in
    an active plan) and their total."""
    held = held_elsewhere()
    for notice in notices:
        notice.open_items = [i for i in reminder_items(notice) if i.id not in held]
        notice.open_total = sum(item.open_cents for item in notice.open_items)
    return notices


def public_body_notices(today) -> list[Reminder]:
    """Return the formal notices past due of public bodies: never subject to an order."""
    public = Debtor.objects.filter(kind=DebtorKind.PUBLIC_BODY).values("person_id")
    notices = Reminder.objects.filter(
        cancelled_at__isnull=True,
        level__formal_notice=True,
        due_date__lt=today,
        person_id__in=public,
    ).select_related("person")
    return [n for n in _with_open(notices.order_by("person__last_name", "pk")) if n.open_items]


@once_view
def order_candidates_view(request):
    """List the formal notices past due and unpaid; propose the ticked ones to the board."""
    require_capability(request, "finance.view")
    today = timezone.localdate()
    candidates = _with_open(order_candidates(today))
    if request.method == "POST":
        require_capability(request, "finance.edit")
        chosen = set(request.POST.getlist("notices"))
        notices = [n for n in candidates if str(n.pk) in chosen]
        try:
            order_list = order_list_create(notices=notices, day=today)
        except DomainError as error:
            messages.error(request, error.translated())
        else:
            messages.success(request, _("The list is ready for the board."))
            return redirect("dunning:order-list", pk=order_list.pk)
    context = {"candidates": candidates, "public_bodies": public_body_notices(today)}
    return render(request, "dunning/order_candidates.html", context)


ORDER_LIST_COLUMNS = (
    ListColumn(_lazy("Date"), "created_on", DATE),
    ListColumn(_lazy("Status"), "status", display=lambda v: str(OrderListStatus(v).label)),
    ListColumn(_lazy("Decision date"), "decision_date", DATE),
    ListColumn(_lazy("Decision reference"), "decision_reference"),
    ListColumn(_lazy("Debtors"), "count"),
    ListColumn(_lazy("Total"), "total", MONEY),
)


def order_lists(request):
    """List the lists proposed to the board, with their decision (and their export)."""
    require_capability(request, "finance.view")
    lists = OrderList.objects.annotate(
        count=Count("orders", distinct=True), total=Sum("orders__items__open_cents")
    )
    if wants_export(request):
        return export_answer(
            request, lists, name="listes-college", title=_lazy("Lists for the board"),
            columns=ORDER_LIST_COLUMNS,
        )  # fmt: skip
    context = {"lists": lists, "export_query": export_query(request)}
    return render(request, "dunning/order_lists.html", context)


@once_view
def order_list_detail(request, pk: int):
    """Show a list: one order per debtor with its debts; record the board's decision."""
    require_capability(request, "finance.view")
    order_list = get_object_or_404(OrderList, pk=pk)
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if form.is_bound:
        require_capability(request, "finance.edit")
        if form.is_valid():
            try:
                order_list_endorse(order_list=order_list, **form.cleaned_data)
            except DomainError as error:
                form.add_error(None, error.translated())
            else:
                messages.success(request, _("The board's decision is recorded."))
                return redirect("dunning:order-list", pk=order_list.pk)
    orders = order_list.orders.select_related("person", "formal_notice").prefetch_related(
        "items__invoice"
    )
    for order in orders:
        order.total = sum(item.open_cents for item in order.items.all())
    context = {
        "order_list": order_list,
        "orders": orders,
        "total": sum(order.total for order in orders),
        "form": form,
        "proposed": order_list.status == OrderListStatus.PROPOSED,
    }
    return render(request, "dunning/order_list.html", context)


@once_view
def order_detail(request, pk: int):
    """Show one debtor's order (its debts, open today, and the bailiff's costs recorded);
    record the bailiff's costs recovered once the board has endorsed it."""
    require_capability(request, "finance.view")
    order = get_object_or_404(
        EnforcementOrder.objects.select_related("person", "formal_notice", "order_list"), pk=pk
    )
    can_record = order.active and order.order_list.status == OrderListStatus.ENDORSED
    form = BailiffFeeForm(request.POST if request.method == "POST" else None)
    if form.is_bound:
        require_capability(request, "finance.edit")
        if form.is_valid():
            try:
                bailiff_fee_record(order=order, user=request.user, **form.cleaned_data)
            except DomainError as error:
                form.add_error(None, error.translated())
            else:
                messages.success(request, _("The bailiff's costs are recorded."))
                return redirect("dunning:order", pk=order.pk)
    items = list(order.items.select_related("invoice").order_by("invoice__due_date", "pk"))
    open_now = dict(
        with_balance(Invoice.objects.filter(pk__in=[i.invoice_id for i in items])).values_list(
            "pk", "open_cents"
        )
    )
    for item in items:
        item.open_now = open_now.get(item.invoice_id, 0)
    fees = list(order.fees.all())
    context = {
        "order": order,
        "items": items,
        "total": sum(item.open_cents for item in items),
        "total_now": sum(item.open_now for item in items),
        "fees": fees,
        "fees_total": sum(fee.amount_cents for fee in fees),
        "form": form,
        "can_record": can_record,
    }
    return render(request, "dunning/order.html", context)
