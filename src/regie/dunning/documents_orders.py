"""Enforcement orders as documents (DOMAIN §7): one order per debtor, after the board's decision.

The ``order`` kind of the documents app: the debts (invoices and their open amounts when the list
was built), the formal notice, the board's decision (date, reference) and the debtor's right to
oppose within one month of service, in the debtor's language. Only orders of an endorsed list
are printed; an order always goes by post (the bailiff serves it). A list is the group.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from regie.core.errors import gettext_noop
from regie.core.money import format_cents
from regie.documents.data import current_letterhead, recipient_block
from regie.documents.kinds import DocumentKind, Recipient
from regie.dunning.documents import TYPST
from regie.dunning.order_models import EnforcementOrder, OrderList, OrderListStatus
from regie.people.models import Delivery

ORDER = "order"


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def order_ids(*, group: int | None = None, ids=None):
    """Return the ids of the active orders of endorsed lists (of a list, or among ``ids``)."""
    orders = EnforcementOrder.objects.filter(
        active=True, order_list__status=OrderListStatus.ENDORSED
    )
    if group is not None:
        orders = orders.filter(order_list_id=group)
    else:
        orders = orders.filter(pk__in=list(ids or []))
    return orders.order_by("person__last_name", "person__first_name", "pk").values_list(
        "pk", flat=True
    )


def recipients(ids: list[int]) -> dict[int, Recipient]:
    """Return each order's debtor: an order always goes by post."""
    rows = EnforcementOrder.objects.filter(pk__in=list(ids)).values_list(
        "pk", "person_id", "person__email", "person__language"
    )
    return {
        pk: Recipient(person, Delivery.POST, email, language)
        for pk, person, email, language in rows
    }


def describe(ids: list[int]) -> dict[int, tuple[str, str]]:
    """Return each order's formal notice number and the page of its list."""
    rows = EnforcementOrder.objects.filter(pk__in=list(ids)).values_list(
        "pk", "formal_notice__number", "order_list_id"
    )
    return {pk: (number, reverse("dunning:order-list", args=[lst])) for pk, number, lst in rows}


def list_describe(list_id: int) -> tuple[str, str]:
    """Return a list's label (the board's decision) and page."""
    order_list = OrderList.objects.filter(pk=list_id).first()
    if order_list is None:
        return "—", ""
    label = _("enforcement orders of %(date)s") % {"date": _day(order_list.created_on)}
    return label, reverse("dunning:order-list", args=[list_id])


def _order(order: EnforcementOrder, org: dict, language: str) -> dict[str, Any]:
    items = order.items.select_related("invoice").order_by("invoice__due_date", "invoice_id")
    total = items.aggregate(t=Sum("open_cents"))["t"] or 0
    notice = order.formal_notice
    decision = order.order_list
    return {
        "key": order.pk,
        "file_name": f"contrainte-{notice.number.replace('/', '-')}.pdf",
        "language": language,
        "organisation": org,
        "recipient": recipient_block(order.person),
        "number": notice.number,
        "notice_date": _day(notice.issued_on),
        "decision_date": _day(decision.decision_date),
        "decision_reference": decision.decision_reference,
        "items": [
            {
                "number": i.invoice.number,
                "due_date": _day(i.invoice.due_date),
                "open": format_cents(i.open_cents),
            }
            for i in items
        ],
        "total": format_cents(total),
        "balance": format_cents(total),
        "due_date": "",
        "communication": notice.formatted_communication,
        "payment": None,
    }


def orders_data(ids: list[int], *, detail: bool = False) -> list[dict[str, Any]]:
    """Return the documents of enforcement orders, in the order of ``ids``."""
    org, letterhead = current_letterhead()
    orders = EnforcementOrder.objects.filter(pk__in=list(ids)).select_related(
        "person", "formal_notice", "order_list"
    )
    documents = {
        o.pk: _order(o, letterhead, o.person.language or org.language)
        for o in orders
        if o.order_list.decision_date
    }
    return [documents[pk] for pk in ids if pk in documents]


ORDER_KIND = DocumentKind(
    key=ORDER,
    label=gettext_lazy("enforcement orders"),
    template="order.typ",
    folder=TYPST,
    data=orders_data,
    select=order_ids,
    recipients=recipients,
    describe=describe,
    group_describe=list_describe,
    file_stem="contraintes",
    email_subject=gettext_noop("Enforcement order – {{ organisation }}"),
    email_body=gettext_noop(
        "Hello {{ person }},\n\nPlease find attached an enforcement order.\n\n"
        "Kind regards,\n{{ organisation }}\n"
    ),
)
