"""Payment plans as documents (DOMAIN §7): the printable schedule and the late-payment letter.

Two kinds of the documents app: ``plan`` (a plan's schedule: its invoices and fees, its
instalments with dates and amounts, the plan's communication and the EPC QR code of the next
instalment) and ``late_letter`` (an instalment's late-payment letter, in the seed's words of
:mod:`regie.dunning.letters`). Both are printed, e-mailed and posted like invoices.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy

from regie.core.errors import gettext_noop
from regie.core.money import format_cents
from regie.documents.data import current_letterhead, recipient_block
from regie.documents.kinds import DocumentKind, Recipient, no_group
from regie.dunning.collection import fee_open
from regie.dunning.documents import TYPST
from regie.dunning.letters import late_letter_lines, late_letter_of
from regie.dunning.plan_models import Instalment, PaymentPlan
from regie.dunning.plans import instalment_states

PLAN, LATE_LETTER = "plan", "late_letter"


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def plan_ids(*, group: int | None = None, ids=None):
    """Return the ids of the plans among ``ids`` (plans have no group)."""
    plans = PaymentPlan.objects.filter(pk__in=[] if group is not None else list(ids or []))
    return plans.order_by("pk").values_list("pk", flat=True)


def _recipients(model, ids: list[int], prefix: str = "") -> dict[int, Recipient]:
    fields = [f"{prefix}person_id", f"{prefix}person__delivery", f"{prefix}person__email"]
    rows = model.objects.filter(pk__in=list(ids)).values_list(
        "pk", *fields, f"{prefix}person__language"
    )
    return {pk: Recipient(*recipient) for pk, *recipient in rows}


def plans_describe(ids: list[int]) -> dict[int, tuple[str, str]]:
    """Return each plan's number (its communication, as printed) and page."""
    plans = PaymentPlan.objects.filter(pk__in=list(ids))
    return {p.pk: (p.formatted_communication, reverse("dunning:plan", args=[p.pk])) for p in plans}


def _payment(org: dict, cents: int, reference: str) -> dict[str, Any]:
    return {
        "name": org["name"],
        "iban": org["iban_compact"],
        "bic": org["bic"],
        "amount_cents": cents,
        "reference": reference,
    }


def _schedule(plan: PaymentPlan, org: dict, language: str) -> dict[str, Any]:
    states = instalment_states(plan)
    next_open = next((s for s in states if s.open_cents > 0), None)
    invoices = plan.invoices.select_related("invoice").order_by("invoice__due_date", "invoice_id")
    fees = plan.fees.select_related("reminder").order_by("reminder__number")
    return {
        "key": plan.pk,
        "file_name": f"plan-{plan.communication}.pdf",
        "language": language,
        "organisation": org,
        "recipient": recipient_block(plan.person),
        "number": plan.formatted_communication,
        "date": _day(plan.created_on),
        "frequency": plan.frequency,
        "items": [
            {"number": i.invoice.number, "open": format_cents(i.open_cents)} for i in invoices
        ]
        + [{"number": f.reminder.number, "open": format_cents(fee_open(f.reminder))} for f in fees],
        "instalments": [
            {
                "number": str(s.number),
                "due_date": _day(s.due_date),
                "amount": format_cents(s.amount_cents),
                "paid": format_cents(s.paid_cents) if s.paid_cents else "",
            }
            for s in states
        ],
        "total": format_cents(plan.total_cents),
        "balance": format_cents(next_open.open_cents) if next_open else format_cents(0),
        "due_date": _day(next_open.due_date) if next_open else "",
        "communication": plan.formatted_communication,
        "payment": _payment(org, next_open.open_cents, plan.communication) if next_open else None,
    }


def plans_data(ids: list[int], *, detail: bool = False) -> list[dict[str, Any]]:
    """Return the schedules of plans, in the order of ``ids``."""
    org, letterhead = current_letterhead()
    plans = PaymentPlan.objects.filter(pk__in=list(ids)).select_related("person")
    documents = {p.pk: _schedule(p, letterhead, p.person.language or org.language) for p in plans}
    return [documents[pk] for pk in ids if pk in documents]


def letter_ids(*, group: int | None = None, ids=None):
    """Return the instalments among ``ids`` that have a late-payment letter."""
    letters = Instalment.objects.filter(late_letter_on__isnull=False)
    letters = letters.filter(pk__in=[] if group is not None else list(ids or []))
    return letters.order_by("late_letter_on", "pk").values_list("pk", flat=True)


def letters_describe(ids: list[int]) -> dict[int, tuple[str, str]]:
    """Return each letter's plan communication and the plan's page."""
    rows = Instalment.objects.filter(pk__in=list(ids)).select_related("plan")
    return {
        i.pk: (i.plan.formatted_communication, reverse("dunning:plan", args=[i.plan_id]))
        for i in rows
    }


def _letter(instalment: Instalment, org: dict, language: str) -> dict[str, Any]:
    state = next(s for s in instalment_states(instalment.plan) if s.number == instalment.number)
    letter = late_letter_of(instalment, state, instalment.late_letter_on)
    lines = late_letter_lines(letter, language)
    skipped = 1 + len(letter.organisation[1:]) + len(letter.recipient)  # the template prints them
    return {
        "key": instalment.pk,
        "file_name": f"plan-{instalment.plan.communication}-{instalment.number}.pdf",
        "language": language,
        "organisation": org,
        "recipient": recipient_block(instalment.plan.person),
        "number": instalment.plan.formatted_communication,
        "place_date": lines[0],
        "title": lines[skipped],
        "lines": lines[skipped + 1 :],
        "total": format_cents(state.open_cents),
        "balance": format_cents(state.open_cents),
        "due_date": _day(state.due_date),
        "communication": instalment.plan.formatted_communication,
        "payment": _payment(org, state.open_cents, instalment.plan.communication),
    }


def letters_data(ids: list[int], *, detail: bool = False) -> list[dict[str, Any]]:
    """Return the late-payment letters of instalments, in the order of ``ids``."""
    org, letterhead = current_letterhead()
    rows = Instalment.objects.filter(pk__in=list(ids), late_letter_on__isnull=False)
    documents = {
        i.pk: _letter(i, letterhead, i.plan.person.language or org.language)
        for i in rows.select_related("plan__person")
    }
    return [documents[pk] for pk in ids if pk in documents]


PLAN_KIND = DocumentKind(
    key=PLAN,
    label=gettext_lazy("payment plans"),
    template="plan.typ",
    folder=TYPST,
    data=plans_data,
    select=plan_ids,
    recipients=lambda ids: _recipients(PaymentPlan, ids),
    describe=plans_describe,
    group_describe=no_group,
    file_stem="plans",
    email_subject=gettext_noop("Payment plan {{ number }} – {{ organisation }}"),
    email_body=gettext_noop(
        "Hello {{ person }},\n\n"
        "Please find attached the schedule of your payment plan. Next instalment: "
        "{{ balance }} before {{ due_date }}, to account {{ iban }} with the structured "
        "communication {{ communication }}.\n\n"
        "Kind regards,\n{{ organisation }}\n"
    ),
)

LATE_LETTER_KIND = DocumentKind(
    key=LATE_LETTER,
    label=gettext_lazy("late-payment letters"),
    template="late_letter.typ",
    folder=TYPST,
    data=letters_data,
    select=letter_ids,
    recipients=lambda ids: _recipients(Instalment, ids, "plan__"),
    describe=letters_describe,
    group_describe=no_group,
    file_stem="retards",
    email_subject=gettext_noop("Late payment notice – {{ organisation }}"),
    email_body=gettext_noop(
        "Hello {{ person }},\n\n"
        "Please find attached a late payment notice for an instalment of your payment plan: "
        "{{ balance }}, to account {{ iban }} with the structured communication "
        "{{ communication }}.\n\n"
        "Kind regards,\n{{ organisation }}\n"
    ),
)
