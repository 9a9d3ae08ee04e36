"""Turn an export's items into the documents the formats write (selectors).

An original or a reissue is the document as it stands (a reissue's lines are less what was
written off from each); a reversal credits, per budget article, what earlier exports carried.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

from django.db import connection
from django.utils.translation import gettext as _

from regie.activities.models import Activity
from regie.billing.models import Invoice, InvoiceLine, WriteOff
from regie.core.tenancy import current_organisation
from regie.dunning.models import Reminder
from regie.exports.accounting import REISSUE, REVERSAL, Item
from regie.exports.documents import Document, Line, Party
from regie.exports.models import ExportSettings
from regie.exports.sources import (
    CHUNK,
    DETAIL_READERS,
    DOCUMENT_AMENDERS,
    Articles,
    _chunks,
    article_lines,
    keyed,
    party_of,
)
from regie.payments.models import Allocation, Payment
from regie.people.models import Child, Person

LINE_CHUNK = 10_000  # invoices per query of their lines on PostgreSQL (one array parameter)
PART = 4000  # items per part of documents_in_parts


def item_number(item: Item) -> str:
    """Return the number an item travels under: a change gets a suffix of its own.

    >>> item_number(Item("invoice:1", "invoice", "FACT/2026/00001", "reversal", -50, "x", 1))
    'FACT/2026/00001-C1'
    >>> item_number(Item("invoice:1", "invoice", "FACT/2026/00001", "reissue", 45, "x", 1))
    'FACT/2026/00001-R1'
    """
    if item.action == REVERSAL:
        return f"{item.number}-C{item.version}"
    if item.action == REISSUE:
        return f"{item.number}-R{item.version}"
    return item.number


class Debtors:
    """The debtors of an export's documents, read in chunks, one :class:`Party` per person."""

    def __init__(self, options: ExportSettings) -> None:
        self.options = options
        self.parties: dict[int, Party] = {}

    def load(self, person_ids: Iterable[int]) -> None:
        missing = sorted(set(person_ids) - set(self.parties))
        for persons in keyed(Person.objects.all(), "pk", missing):
            for person in persons:
                self.parties[person.pk] = party_of(person, self.options)

    def __call__(self, person_id: int) -> Party:
        if person_id not in self.parties:
            self.load([person_id])
        return self.parties[person_id]


def _written_by_line(invoice_ids: Sequence[int]) -> dict[int, int]:
    written: dict[int, int] = defaultdict(int)
    for offs in keyed(WriteOff.objects.all(), "invoice_id", list(invoice_ids)):
        for spread in offs.values_list("spread", flat=True):
            for line_id, cents in spread.items():
                written[int(line_id)] += cents
    return written


def _line_rows(invoice_ids: Sequence[int]) -> Iterator[tuple]:
    """Yield the lines of the invoices as plain rows, by invoice, day and order.

    One query per few thousand invoices through a plain cursor: three months of a large
    commune are a million lines, and the ORM's rows cost several times the database's work.
    The organisation is in the query itself (the cursor bypasses the scoped managers). The
    activity and the child come as keys, their names are read once (a million rows would
    otherwise carry two names each).
    """
    sql = (
        "SELECT id, invoice_id, category_id, date, quantity, unit_cents, amount_cents, "  # noqa: S608 - table name only
        f"activity_id, child_id, label FROM {InvoiceLine._meta.db_table} "
        "WHERE organisation_id = %s AND invoice_id {ids} ORDER BY invoice_id, date, id"
    )
    organisation = current_organisation().pk
    postgresql = connection.vendor == "postgresql"
    size = LINE_CHUNK if postgresql else CHUNK
    with connection.cursor() as cursor:
        for chunk in _chunks(list(invoice_ids), size):
            if postgresql:  # one array, not thousands of placeholders to bind
                cursor.execute(sql.replace("{ids}", "= ANY(%s)"), [organisation, list(chunk)])
            else:
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(sql.replace("{ids}", f"IN ({marks})"), [organisation, *chunk])
            while rows := cursor.fetchmany(5000):
                yield from rows


def _invoice_lines(invoice_ids: Sequence[int], articles: Articles) -> dict[int, list[Line]]:
    lines: dict[int, list[Line]] = {}
    written = _written_by_line(invoice_ids)
    # one label string per activity and child, and its article and VAT: not one per line
    described: dict[tuple, tuple] = {}
    activities: dict[int | None, str] = {}
    children: dict[int | None, str] = {}
    current, found = None, []
    for pk, invoice_id, category, day, quantity, unit, amount, activity, child, own in _line_rows(
        invoice_ids
    ):
        if invoice_id != current:
            current, found = invoice_id, []
            lines[invoice_id] = found
        key = (category, activity, child, own)
        label, article, vat, rate = described.get(key) or described.setdefault(
            key, (_label(activity, child, own, activities, children), *articles.of(category))
        )
        if written:
            amount -= written.get(pk, 0)
        found.append(Line(label, amount, article, day, quantity, unit, vat, rate))
    return lines


def _label(activity, child, own: str, activities: dict, children: dict) -> str:
    """Return a line's label: its activity and child, or its own (a fee's line)."""
    if activity is None:
        return own
    if not activities:  # the names of the organisation's activities and children, once
        activities |= dict(Activity.objects.values_list("pk", "name"))
        children |= dict(Child.objects.values_list("pk", "first_name"))
    return f"{activities.get(activity)} – {children.get(child)}"


def _invoices(items: list[Item], articles: Articles, debtor) -> dict[str, Document]:
    ids = sorted({int(item.key.split(":")[1]) for item in items})
    invoices: dict[int, tuple] = {}
    for rows in keyed(Invoice.objects.all(), "pk", ids):
        for row in rows.values_list(
            "pk", "number", "invoice_date", "due_date", "communication", "person_id",
            "credit_of__number",
        ):  # fmt: skip
            invoices[row[0]] = row
    debtor.load(row[5] for row in invoices.values())
    lines = _invoice_lines(ids, articles)
    documents = {}
    for item in items:
        pk, number, day, due, communication, person_id, credited = invoices[
            int(item.key.split(":")[1])
        ]
        documents[item.key] = Document(
            number=number,
            kind=item.kind,
            action=item.action,
            is_credit=item.amount_cents < 0,
            issue_date=day,
            due_date=due,
            debtor=debtor(person_id),
            lines=tuple(lines.pop(pk, ())),
            communication=communication,
            source_number=number,
            reference=credited or "",
        )
    return documents


def _fees(items: list[Item], options: ExportSettings, debtor) -> dict[str, Document]:
    ids = [int(item.key.split(":")[1]) for item in items]
    reminders = {r.pk: r for r in Reminder.objects.filter(pk__in=ids)}
    debtor.load(reminder.person_id for reminder in reminders.values())
    documents = {}
    for item in items:
        reminder = reminders[int(item.key.split(":")[1])]
        label = _("Reminder fee")
        line = Line(label, reminder.fee_cents, options.fee_article or options.default_article,
                    reminder.issued_on)  # fmt: skip
        documents[item.key] = Document(
            number=reminder.number,
            kind=item.kind,
            action=item.action,
            is_credit=False,
            issue_date=reminder.issued_on,
            due_date=reminder.due_date,
            debtor=debtor(reminder.person_id),
            lines=(line,),
            communication=reminder.communication,
            source_number=reminder.number,
        )
    return documents


def _payments(items: list[Item], debtor) -> dict[str, Document]:
    """A payment received: a line per invoice it paid, and one for what went to the person's
    credit; the communication the payer gave (else that of the first invoice it paid)."""
    ids = [int(item.key.split(":")[1]) for item in items]
    payments = {}
    for chunk in _chunks(ids):
        payments |= {
            p.pk: p for p in Payment.objects.filter(pk__in=chunk).select_related("movement")
        }
    debtor.load(payment.person_id for payment in payments.values())
    paid: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    for chunk in _chunks(ids):
        rows = Allocation.objects.filter(payment_id__in=chunk, cancelled=False).order_by("pk")
        for payment_id, number, communication, cents in rows.values_list(
            "payment_id", "invoice__number", "invoice__communication", "amount_cents"
        ):
            paid[payment_id].append((number, communication, cents))
    documents = {}
    for item in items:
        payment = payments[int(item.key.split(":")[1])]
        allocated = paid.get(payment.pk, [])
        lines = [Line(number, cents, "", payment.date) for number, _c, cents in allocated]
        rest = payment.amount_cents - sum(cents for *_n, cents in allocated)
        if rest > 0:
            lines.append(Line(_("Credit of the person"), rest, "", payment.date))
        reference = payment.movement.reference if payment.movement_id else ""
        documents[item.key] = Document(
            number=item.number,
            kind=item.kind,
            action=item.action,
            is_credit=True,
            issue_date=payment.date,
            due_date=payment.date,
            debtor=debtor(payment.person_id),
            lines=tuple(lines),
            communication=reference or next((c for _n, c, _a in allocated if c), ""),
            source_number=item.number,
        )
    return documents


def documents_for(
    items: Sequence[Item], previous: dict[str, dict[str, int]], options: ExportSettings
) -> list[Document]:
    """Return the documents of an export's items, in the items' order.

    ``previous`` holds, per document, the cents earlier exports carried per article: a
    reversal credits exactly them.
    """
    articles = Articles(options)
    debtor = Debtors(options)
    unique = list({item.key: item for item in items}.values())
    base: dict[str, Document] = {}
    base |= _invoices([i for i in unique if i.key.startswith("invoice:")], articles, debtor)
    base |= _fees([i for i in unique if i.key.startswith("reminder:")], options, debtor)
    base |= _payments([i for i in unique if i.key.startswith("payment:")], debtor)
    own = ("invoice", "reminder", "payment")
    for reader in DETAIL_READERS:
        base |= reader([i for i in unique if i.key.split(":")[0] not in own])
    for amend in DOCUMENT_AMENDERS:
        base = amend(base)
    documents = []
    for item in items:
        document = replace(
            base[item.key],
            number=item_number(item),
            action=item.action,
            is_credit=item.amount_cents < 0,
        )
        if item.action == REVERSAL:
            label = _("Cancels %(number)s as exported") % {"number": item.number}
            document = replace(document, lines=article_lines(previous.get(item.key, {}), label))
        documents.append(document)
    return documents


def documents_in_parts(
    items: Sequence[Item], previous: dict[str, dict[str, int]], options: ExportSettings
) -> Iterator[list[Document]]:
    """Yield the documents of :func:`documents_for` a part of the items at a time, in order,
    so that the first ones are checked while the rest are read (the UBL export). Each part is
    :func:`documents_for` of its items: every reader and amender works document by document."""
    for start in range(0, len(items), PART):
        yield documents_for(items[start : start + PART], previous, options)
