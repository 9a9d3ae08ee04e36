"""The accounting CSV: one line per document line (docs/exports.md, column by column).

UTF-8 without BOM, semicolons, ISO dates, amounts with a decimal point and two decimals,
signed (a credit note's lines are negative), the structured communication on every line.

>>> from datetime import date
>>> from regie.exports.documents import Document, Line, Party
>>> doc = Document("FACT/2026/00001", "invoice", "original", False, date(2026, 3, 2),
...     date(2026, 4, 1), Party("P7", "Dupont Anne"), (Line("Accueil", 150, "835/161-48",
...     date(2026, 2, 3), 3, 50),), communication="101000000159")
>>> print(write([doc], application_code="AES").decode().splitlines()[1])
AES;FACT/2026/00001;invoice;original;invoice;;;2026-03-02;2026-04-01;P7;\
Dupont Anne;;;;;;BE;1;2026-02-03;Accueil;3;0.50;1.50;835/161-48;O;0;+++101/0000/00159+++
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal

from regie.exports.documents import Document

COLUMNS = [
    "application",
    "document",
    "type",
    "action",
    "source_kind",
    "source_document",
    "credited_document",
    "date",
    "due_date",
    "debtor",
    "debtor_name",
    "national_number",
    "enterprise_number",
    "street",
    "postcode",
    "city",
    "country",
    "line",
    "line_date",
    "description",
    "quantity",
    "unit_price",
    "amount",
    "budget_article",
    "vat_category",
    "vat_rate",
    "structured_communication",
]


def euros(cents: int) -> str:
    """Return cents as euros with a decimal point: 12345 → '123.45', -5 → '-0.05'."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _rate(rate: Decimal) -> str:
    return format(rate.normalize(), "f")


def document_type(document: Document) -> str:
    """Return what the accounting books: an invoice, a credit note or a payment received."""
    if document.kind == "payment":
        return "payment"
    return "credit_note" if document.is_credit else "invoice"


def rows(document: Document, application_code: str = "") -> Iterable[list[str]]:
    """Yield the CSV rows of one document, one per line."""
    sign = -1 if document.is_credit else 1
    party = document.debtor
    head = [
        application_code,
        document.number,
        document_type(document),
        document.action,
        document.kind,
        document.source_number,
        document.reference,
        document.issue_date.isoformat(),
        document.due_date.isoformat(),
        party.reference,
        party.name,
        party.national_number,
        party.enterprise_number,
        party.street,
        party.postcode,
        party.city,
        party.country,
    ]
    for number, line in enumerate(document.lines, start=1):
        quantity, unit = line.priced
        yield head + [
            str(number),
            line.day.isoformat() if line.day else "",
            line.label,
            str(quantity),
            euros(unit),
            euros(sign * line.amount_cents),
            line.article,
            line.vat_category,
            _rate(line.vat_rate),
            document.formatted_communication,
        ]


SPECIAL = frozenset(';"\r\n')


def field(text: str) -> str:
    """Return a field as :mod:`csv` writes it here (quoted only when it must be).

    >>> field('Atelier "Cirque"; 2e'), field("Accueil")
    ('"Atelier ""Cirque""; 2e"', 'Accueil')
    """
    if SPECIAL.isdisjoint(text):
        return text
    return '"' + text.replace('"', '""') + '"'


class _Texts:
    """The texts a large export repeats, each made once: days, amounts, labels with their
    article and VAT (a million lines hold a few hundred of each)."""

    def __init__(self) -> None:
        self.days: dict = {None: ""}
        self.euros: dict[int, str] = {}
        self.described: dict[tuple, tuple[str, str]] = {}

    def day(self, day) -> str:
        text = self.days.get(day)
        if text is None:
            text = self.days[day] = day.isoformat()
        return text

    def amount(self, cents: int) -> str:
        text = self.euros.get(cents)
        if text is None:
            text = self.euros[cents] = euros(cents)
        return text

    def describe(self, label: str, article: str, vat: str, rate: Decimal) -> tuple[str, str]:
        key = (label, article, vat, rate)
        text = self.described.get(key)
        if text is None:
            text = self.described[key] = (
                field(label),
                f"{field(article)};{field(vat)};{_rate(rate)}",
            )
        return text


def _document_rows(document: Document, application_code: str, texts: _Texts) -> str:
    """Return the CSV lines of one document, byte for byte what :func:`rows` gives to
    :mod:`csv`, without quoting each of a large export's million fields one by one."""
    first = next(rows(document, application_code), None)
    if first is None:
        return ""
    head = ";".join(field(value) for value in first[:17]) + ";"
    sign = -1 if document.is_credit else 1
    tail = f";{field(document.formatted_communication)}\r\n"
    day_text, amount_text, describe = texts.day, texts.amount, texts.describe
    out = []
    for number, line in enumerate(document.lines, start=1):
        cents, quantity, unit = line.amount_cents, line.quantity, line.unit_cents
        if unit is None or quantity * unit != cents:  # Line.priced, inline: a million lines
            quantity, unit = 1, cents
        described = describe(line.label, line.article, line.vat_category, line.vat_rate)
        out.append(
            f"{head}{number};{day_text(line.day)};{described[0]};{quantity};{amount_text(unit)};"
            f"{amount_text(sign * cents)};{described[1]}{tail}"
        )
    return "".join(out)


def write(documents: Iterable[Document], application_code: str = "") -> bytes:
    """Return the CSV of an export's documents (UTF-8, semicolons, a heading row)."""
    buffer = io.BytesIO()
    buffer.write((";".join(COLUMNS) + "\r\n").encode("utf-8"))
    texts = _Texts()
    for document in documents:
        buffer.write(_document_rows(document, application_code, texts).encode("utf-8"))
    return buffer.getvalue()
