"""The payouts page: the payment provider's payouts, the bank movement proposed for each (the
finance officer confirms the match), and the online payments still in transit."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from regie.core.badinput import id_param
from regie.core.errors import DomainError
from regie.core.money import format_cents
from regie.core.once import once_view
from regie.core.views import require_capability
from regie.payments import payouts
from regie.payments.models import BankMovement, OnlinePayment, Payout
from regie.payments.online import online_payment_allocate, to_allocate
from regie.payments.views import by_hand, chosen_person, persons_found


def payout_list(request):
    """List the payouts to match (with their proposed movement), the matched ones and what
    is still in transit."""
    require_capability(request, "finance.view")
    transit = payouts.in_transit()
    matched = Payout.objects.filter(outcome__isnull=False).select_related("outcome__movement")
    context = {
        "to_allocate": list(to_allocate()),
        "proposals": payouts.payout_proposals(),
        "matched": matched.order_by("-settled_on", "-pk")[:50],
        "in_transit": transit,
        "in_transit_total": sum(online.amount_cents for online in transit),
        "can_fetch": bool(payouts.SOURCES),
    }
    return render(request, "payments/payout_list.html", context)


def payout_fetch(request):
    """Ask the payment provider for its latest payouts (the button of the payouts' page)."""
    require_capability(request, "finance.edit")
    if request.method != "POST":
        return redirect("payments:payout-list")
    try:
        found = payouts.payouts_fetch()
    except DomainError as error:
        messages.error(request, error.translated())
    else:
        messages.success(request, _("Payouts fetched: %(count)s new.") % {"count": len(found)})
    return redirect("payments:payout-list")


@once_view
def payout_confirm_view(request, pk: int):
    """Confirm that a bank movement is the payout ``pk``."""
    require_capability(request, "finance.edit")
    payout = get_object_or_404(Payout, pk=pk)
    if request.method != "POST":
        return redirect("payments:payout-list")
    movement_id = id_param(request.POST.get("movement"), "movement")  # else a 400, saying why
    movement = get_object_or_404(BankMovement, pk=movement_id or 0)
    try:
        payouts.payout_confirm(payout=payout, movement=movement, user=request.user)
    except DomainError as error:
        messages.error(request, error.translated())
    else:
        messages.success(
            request,
            _(
                "Payout %(reference)s matched: %(amount)s reached the bank, %(fees)s of fees "
                "booked as an expense."
            )
            % {
                "reference": payout.reference,
                "amount": format_cents(payout.amount_cents),
                "fees": format_cents(payout.fees_cents),
            },
        )
    return redirect("payments:payout-list")


@once_view
def online_allocate_view(request, pk: int):
    """Give an online payment nothing matched to a person, split over their open items."""
    require_capability(request, "finance.view")
    online = get_object_or_404(OnlinePayment.objects.select_related("payment__person"), pk=pk)
    if request.method == "POST":
        require_capability(request, "finance.edit")
    context = {"online": online, "person": None}
    person = chosen_person(request) if online.payment_id is None else None
    if person is None:
        query = request.GET.get("q", "") if online.payment_id is None else ""
        context.update(query=query, found=persons_found(query))
        return render(request, "payments/online_allocate.html", context)

    def allocate(split):
        return online_payment_allocate(online=online, person=person, split=split, user=request.user)

    done = _("The online payment is allocated to %(person)s.") % {"person": person}
    context.update(person=person, amount_cents=online.amount_cents)
    return by_hand(request, context, allocate, done, "payments/online_allocate.html")
