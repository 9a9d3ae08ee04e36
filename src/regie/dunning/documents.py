"""Reminders as documents (DOMAIN §7): the ``reminder`` kind of the documents app.

A reminder's PDF is in its person's language: the level's letter, the reminder's number, its
invoices with their open amounts at issue, the fee (and, when so, that it was lowered to the
legal cap), the total, the due date, the structured communication and the EPC QR code of the
total. Reminders are batched per run (ZIP, one PDF, the post), e-mailed and posted like
invoices; a formal notice always goes by post (a registered letter).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from regie.core.errors import gettext_noop
from regie.core.money import format_cents
from regie.documents.data import current_letterhead, recipient_block
from regie.documents.kinds import DocumentKind, Recipient
from regie.documents.mail import fill
from regie.dunning.models import Reminder, ReminderInvoice, ReminderRun
from regie.people.models import Delivery

REMINDER = "reminder"
TYPST = Path(__file__).resolve().parent / "typst"

SUBJECT = gettext_noop("Reminder {{ number }} – {{ organisation }}")
BODY = gettext_noop(
    "Hello {{ person }},\n\n"
    "Please find attached reminder {{ number }}: {{ total }} is still to pay, before "
    "{{ due_date }}, to account {{ iban }} with the structured communication "
    "{{ communication }}.\n\n"
    "If you have paid in the meantime, please disregard this reminder.\n\n"
    "Kind regards,\n{{ organisation }}\n"
)


def _day(value) -> str:
    return value.strftime("%d/%m/%Y")


def reminder_ids(*, group: int | None = None, ids=None):
    """Return the ids of the live reminders of a run or of a selection, by number."""
    reminders = Reminder.objects.filter(cancelled_at__isnull=True)
    if group is not None:
        reminders = reminders.filter(run_id=group)
    else:
        reminders = reminders.filter(pk__in=list(ids or []))
    return reminders.order_by("number", "pk").values_list("pk", flat=True)


def recipients(ids: list[int]) -> dict[int, Recipient]:
    """Return each reminder's person and channel: a formal notice always goes by post; the
    e-mail is the one the reminder was issued to (the person's, for an older reminder)."""
    rows = Reminder.objects.filter(pk__in=list(ids)).values_list(
        "pk",
        "person_id",
        "person__delivery",
        "email",
        "person__email",
        "person__language",
        "level__formal_notice",
    )
    return {
        pk: Recipient(person, Delivery.POST if notice else channel, email or now, language)
        for pk, person, channel, email, now, language, notice in rows
    }


def describe(ids: list[int]) -> dict[int, tuple[str, str]]:
    """Return each reminder's number and page."""
    rows = Reminder.objects.filter(pk__in=list(ids)).values_list("pk", "number")
    return {pk: (number, reverse("dunning:reminder", args=[pk])) for pk, number in rows}


def run_describe(run_id: int) -> tuple[str, str]:
    """Return a reminder run's label and page."""
    run = ReminderRun.objects.select_related("level").filter(pk=run_id).first()
    if run is None:
        return "—", ""
    label = _("reminder run “%(level)s” of %(date)s") % {
        "level": run.level.name,
        "date": _day(run.run_date),
    }
    return label, reverse("dunning:run", args=[run_id])


def _items(ids: list[int]) -> dict[int, list[dict[str, str]]]:
    rows = (
        ReminderInvoice.objects.filter(reminder_id__in=ids)
        .order_by("reminder_id", "invoice__due_date", "invoice_id")
        .values_list("reminder_id", "invoice__number", "invoice__due_date", "open_cents")
    )
    items: dict[int, list[dict[str, str]]] = {}
    for reminder_id, number, due, open_cents in rows:
        items.setdefault(reminder_id, []).append(
            {"number": number, "due_date": _day(due), "open": format_cents(open_cents)}
        )
    return items


def _document(reminder: Reminder, org: dict, items: list[dict], language: str) -> dict[str, Any]:
    recipient = recipient_block(reminder)
    total = reminder.total_cents
    values = {
        "person": recipient["name"],
        "number": reminder.number,
        "total": format_cents(total),
        "due_date": _day(reminder.due_date),
        "communication": reminder.formatted_communication,
        "organisation": org["name"],
    }
    letter = fill(reminder.level.letter(language), values)
    return {
        "key": reminder.pk,
        "file_name": f"{reminder.number.replace('/', '-')}.pdf",
        "language": language,
        "formal_notice": reminder.level.formal_notice,
        "organisation": org,
        "recipient": recipient,
        "number": reminder.number,
        "date": _day(reminder.issued_on),
        "level": reminder.level.name,
        "letter": [paragraph for paragraph in letter.split("\n\n") if paragraph.strip()],
        "items": items,
        "principal": format_cents(reminder.principal_cents),
        "fee": format_cents(reminder.fee_cents) if reminder.fee_cents else "",
        "fee_cap": format_cents(reminder.fee_cap_cents or 0) if reminder.fee_lowered else "",
        "total": values["total"],
        "balance": values["total"],
        "due_date": values["due_date"],
        "communication": values["communication"],
        "payment": {
            "name": org["name"],
            "iban": org["iban_compact"],
            "bic": org["bic"],
            "amount_cents": total,
            "reference": reminder.communication,
        },
    }


def reminders_data(ids: list[int], *, detail: bool = False) -> list[dict[str, Any]]:
    """Return the documents of reminders, in the order of ``ids`` (``detail`` is the
    invoices' option: a reminder has none)."""
    org, org_block = current_letterhead()
    reminders = Reminder.objects.filter(pk__in=list(ids)).select_related("person", "level")
    items = _items(list(ids))
    documents = {
        r.pk: _document(r, org_block, items.get(r.pk, []), r.person.language or org.language)
        for r in reminders
    }
    return [documents[pk] for pk in ids if pk in documents]


REMINDER_KIND = DocumentKind(
    key=REMINDER,
    label=gettext_lazy("reminders"),
    template="reminder.typ",
    folder=TYPST,
    data=reminders_data,
    select=reminder_ids,
    recipients=recipients,
    describe=describe,
    group_describe=run_describe,
    file_stem="rappels",
    email_subject=SUBJECT,
    email_body=BODY,
)
