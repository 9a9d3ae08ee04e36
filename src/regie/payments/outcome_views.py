"""A rejected movement nobody owes, on its page: set it aside, refund it to the payer, undo.

Each action is a form with a one-time token (:func:`regie.core.once.once_view`): a double
click records once. A GET of an action's address leads to the movement's page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from regie.core.errors import DomainError
from regie.core.money import format_cents
from regie.core.once import once_view
from regie.core.views import require_capability
from regie.payments.corrections import movement_rematch
from regie.payments.forms import SetAsideForm
from regie.payments.outcomes import movement_outcome_undo, movement_refund, movement_set_aside
from regie.payments.views import movement_context, movement_of, persons_found


def _page_with(request, movement, form: SetAsideForm):
    """Show the movement's page again with the set-aside form and its errors."""
    context = movement_context(movement_of(movement.pk), form)
    query = movement.counterparty_name
    context.update(person=None, query=query, found=persons_found(query))
    return render(request, "payments/movement_detail.html", context)


def _answer(request, movement, action: Callable[[], object], done: str, form=None):
    """Run ``action``; say ``done`` and show the movement, or show the error (on the page with
    ``form`` when there is one)."""
    url = reverse("payments:movement-detail", args=[movement.pk])
    try:
        action()
    except DomainError as error:
        if form is None:
            messages.error(request, error.translated())
            return redirect(url)
        form.add_error(None, error.translated())
        return _page_with(request, movement, form)
    messages.success(request, done)
    return redirect(url)


@once_view
def movement_set_aside_view(request, pk: int):
    """Set a rejected movement aside with its reason (and note)."""
    require_capability(request, "finance.edit")
    movement = movement_of(pk)
    if request.method != "POST":
        return redirect("payments:movement-detail", pk=movement.pk)
    form = SetAsideForm(request.POST)
    if not form.is_valid():
        return _page_with(request, movement, form)
    data = form.cleaned_data

    def action():
        movement_set_aside(
            movement=movement, reason=data["reason"], note=data["note"], user=request.user
        )

    done = _("The movement of %(amount)s is set aside; it is no longer to allocate.") % {
        "amount": format_cents(movement.amount_cents)
    }
    return _answer(request, movement, action, done, form)


@once_view
def movement_rematch_view(request, pk: int):
    """Allocate a rejected movement with the communication the payer should have given."""
    require_capability(request, "finance.edit")
    movement = movement_of(pk)
    if request.method != "POST":
        return redirect("payments:movement-detail", pk=movement.pk)
    communication = request.POST.get("communication", "")[:40]
    try:
        payment = movement_rematch(
            movement=movement, communication=communication, user=request.user
        )
    except DomainError as error:
        messages.error(request, error.translated())
        return redirect("payments:movement-detail", pk=movement.pk)
    messages.success(
        request,
        _("The movement of %(amount)s pays what %(communication)s designates, for %(person)s.")
        % {
            "amount": format_cents(movement.amount_cents),
            "communication": communication.strip(),
            "person": payment.person,
        },
    )
    return redirect("payments:payment-detail", pk=payment.pk)


@once_view
def movement_refund_view(request, pk: int):
    """Refund a rejected movement to its payer by the next SEPA file."""
    require_capability(request, "finance.edit")
    movement = movement_of(pk)
    if request.method != "POST":
        return redirect("payments:movement-detail", pk=movement.pk)
    done = _("The refund of %(amount)s to %(payer)s waits for the next SEPA file.") % {
        "amount": format_cents(movement.amount_cents),
        "payer": movement.counterparty_name,
    }
    return _answer(
        request, movement, lambda: movement_refund(movement=movement, user=request.user), done
    )


@once_view
def movement_undo_view(request, pk: int):
    """Undo the set-aside or the refund of a movement: it is to allocate again."""
    require_capability(request, "finance.edit")
    movement = movement_of(pk)
    if request.method != "POST":
        return redirect("payments:movement-detail", pk=movement.pk)
    done = _("Undone: the movement is among the rejected movements to allocate again.")
    return _answer(
        request,
        movement,
        lambda: movement_outcome_undo(movement=movement, user=request.user),
        done,
    )
