"""Payment plan screens: a new plan from a person's account, its page, cancelling, the list."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from regie.billing.models import Invoice, Kind
from regie.billing.selectors import with_balance
from regie.core.errors import DomainError
from regie.core.once import once_view
from regie.core.views import require_capability
from regie.dunning import listing, schedule
from regie.dunning.collection import fee_open
from regie.dunning.forms import PlanForm
from regie.dunning.models import Reminder
from regie.dunning.orders import held_invoices as order_held
from regie.dunning.plan_export import plan_export
from regie.dunning.plan_models import PaymentPlan, PlanStatus
from regie.dunning.plans import (
    grace_days,
    held_invoices,
    instalment_states,
    plan_cancel,
    plan_create,
)
from regie.exports.lists import export_query, wants_export
from regie.people.models import Person

PLAN_CSS = {
    PlanStatus.ACTIVE: "status-new",
    PlanStatus.COMPLETED: "status-ok",
    PlanStatus.CANCELLED: "status-billed",
}


def plan_list(request):
    """List the plans with what their instalments asked, received, still ask and ask late."""
    require_capability(request, "finance.view")
    plans = PaymentPlan.objects.select_related("person").prefetch_related("instalments")
    status = request.GET.get("status")
    if status in PlanStatus.values:
        plans = plans.filter(status=status)
    if wants_export(request):
        return plan_export(request, plans)
    page = Paginator(plans, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for plan in page.object_list:
        plan.sums = listing.plan_sums(plan, today)
        plan.css = PLAN_CSS[plan.status]
    context = {
        "page_obj": page,
        "paginator": page.paginator,
        "status": status,
        "export_query": export_query(request),
    }
    return render(request, "dunning/plan_list.html", context)


def _choices(person: Person):
    """Return the person's open invoices free to join a plan, and reminders with a fee open."""
    held = held_invoices()["in_plan"] | order_held()["in_order"]
    invoices = (
        with_balance(Invoice.objects.filter(person=person, kind=Kind.INVOICE))
        .filter(posted_at__isnull=False, open_cents__gt=0)
        .exclude(pk__in=held)
        .order_by("due_date", "pk")
    )
    reminders = (
        listing.with_reminder_state(
            Reminder.objects.filter(person=person, cancelled_at__isnull=True, fee_cents__gt=0)
        )
        .annotate(fee_open_cents=F("fee_cents") - F("fee_paid_cents"))
        .filter(fee_open_cents__gt=0)
        .order_by("issued_on", "pk")
    )
    return invoices, reminders


def _creating(request) -> bool:
    return "create" in request.POST


@once_view(when=_creating)
def plan_new(request, pk: int):
    """Choose a person's invoices (and fees), preview the instalments, then create the plan."""
    require_capability(request, "finance.edit")
    person = get_object_or_404(Person.objects, pk=pk)
    invoices, reminders = _choices(person)
    today = timezone.localdate()
    initial = {"invoices": [i.pk for i in invoices if i.due_date < today]}
    form = PlanForm(request.POST or None, invoices=invoices, reminders=reminders, initial=initial)
    context = {"person": person, "form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "create" in request.POST:
            return _create(request, person, form) or render(
                request, "dunning/plan_form.html", context
            )
        total = sum(i.open_cents for i in data["invoices"])
        total += sum(fee_open(r) for r in data["reminders"])
        try:
            context["instalments"] = schedule.instalments(
                total,
                first_due=data["first_due"],
                frequency=data["frequency"],
                count=data["count"],
                amount=data["amount"],
            )
        except DomainError as error:
            form.add_error(None, error.translated())
        context["total"] = total
    return render(request, "dunning/plan_form.html", context)


def _create(request, person: Person, form: PlanForm):
    """Create the plan; None when refused."""
    data = form.cleaned_data
    try:
        plan = plan_create(
            person=person,
            invoices=list(data["invoices"]),
            reminders=list(data["reminders"]),
            frequency=data["frequency"],
            first_due=data["first_due"],
            count=data["count"],
            amount_cents=data["amount"],
            day=timezone.localdate(),
        )
    except DomainError as error:
        form.add_error(None, error.translated())
        return None
    messages.success(request, _("The payment plan of %(person)s is created.") % {"person": person})
    return redirect("dunning:plan", pk=plan.pk)


def plan_detail(request, pk: int):
    """Show a plan: its invoices and fees, its instalments with what was paid, lateness."""
    require_capability(request, "finance.view")
    plan = get_object_or_404(PaymentPlan.objects.select_related("person"), pk=pk)
    today = timezone.localdate()
    states = instalment_states(plan)
    grace = grace_days()
    by_number = {i.number: i for i in plan.instalments.all()}
    rows = [
        {
            "state": s,
            "late": plan.status == PlanStatus.ACTIVE and schedule.is_late(s, today, grace),
            "instalment": by_number[s.number],
            "letter_on": by_number[s.number].late_letter_on,
        }
        for s in states
    ]
    items = plan.invoices.select_related("invoice").order_by("invoice__due_date", "invoice_id")
    open_now = dict(
        with_balance(Invoice.objects.filter(pk__in=[i.invoice_id for i in items])).values_list(
            "pk", "open_cents"
        )
    )
    for item in items:
        item.open_now = open_now.get(item.invoice_id, 0)
    context = {
        "plan": plan,
        "css": PLAN_CSS[plan.status],
        "rows": rows,
        "items": items,
        "fees": plan.fees.select_related("reminder"),
        "sums": listing.plan_sums(plan, today, states),
        "grace": grace,
    }
    return render(request, "dunning/plan_detail.html", context)


@once_view
def plan_cancel_view(request, pk: int):
    """Cancel an active plan (after confirmation): what was paid stays."""
    require_capability(request, "finance.edit")
    plan = get_object_or_404(PaymentPlan.objects.select_related("person"), pk=pk)
    back = reverse("dunning:plan", args=[plan.pk])
    if request.method != "POST":
        context = {
            "title": _("Cancel the payment plan of %(person)s") % {"person": plan.person},
            "explanation": _(
                "What was paid stays paid; the invoices still open go back to reminders at "
                "the level they had."
            ),
            "button": _("Cancel the plan"),
            "back": back,
        }
        return render(request, "billing/confirm.html", context)
    try:
        plan_cancel(plan=plan, day=timezone.localdate())
    except DomainError as error:
        messages.error(request, error.translated())
    else:
        messages.success(request, _("The payment plan is cancelled."))
    return redirect(back)
