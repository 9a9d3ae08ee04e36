"""The documents an export writes, as plain values every format reads (CSV, UBL).

A :class:`Document` is one item of an export (an original, a reversal or a reissue) with what a
format needs: its number, dates, debtor, lines with their budget article and VAT. Amounts are
positive cents; ``is_credit`` says a credit note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Party:
    """The debtor as the accounting software knows it."""

    reference: str
    name: str
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = "BE"
    email: str = ""
    national_number: str = ""
    enterprise_number: str = ""


@dataclass(slots=True)
class Line:
    """A line of a document: what, when, how many at what price, its article and VAT.

    Treated as immutable (:func:`dataclasses.replace` makes a changed copy), but not a frozen
    dataclass: an export of a large commune reads a million lines, and a frozen dataclass
    costs six times as much to build (docs/exports.md, Performance).
    """

    label: str
    amount_cents: int
    article: str
    day: date | None = None
    quantity: int = 1
    unit_cents: int | None = None
    vat_category: str = "O"
    vat_rate: Decimal = Decimal("0")
    until: date | None = None  # a line of several days (UBL): the last one, ``day`` the first

    def __reduce__(self):
        """Pickle a line as its values in order (an export hands a million to its workers):
        40 % less time than a slotted dataclass's default, which pickles a dict each."""
        return Line, (self.label, self.amount_cents, self.article, self.day, self.quantity,
                      self.unit_cents, self.vat_category, self.vat_rate, self.until)  # fmt: skip

    @property
    def priced(self) -> tuple[int, int]:
        """Return (quantity, unit price) that multiply to the amount (a capped line: 1 × it).

        >>> Line("x", 605, "a", quantity=11, unit_cents=55).priced
        (11, 55)
        >>> Line("x", 500, "a", quantity=11, unit_cents=55).priced
        (1, 500)
        """
        if self.unit_cents is not None and self.quantity * self.unit_cents == self.amount_cents:
            return self.quantity, self.unit_cents
        return 1, self.amount_cents


@dataclass(frozen=True, slots=True)
class Document:
    """One item of an export as the formats write it."""

    number: str
    kind: str  # the source's kind: invoice, credit_note, reminder_fee, ...
    action: str  # original, reversal, reissue
    is_credit: bool
    issue_date: date
    due_date: date
    debtor: Party
    lines: tuple[Line, ...]
    communication: str = ""  # the twelve digits of the structured communication
    source_number: str = ""  # the number of the document in Regie
    reference: str = ""  # for a credit note: the invoice it credits

    @property
    def amount_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    @property
    def signed_cents(self) -> int:
        return -self.amount_cents if self.is_credit else self.amount_cents

    @property
    def formatted_communication(self) -> str:
        """Return the communication as printed: +++123/4567/89012+++ (empty when none)."""
        c = self.communication
        return f"+++{c[:3]}/{c[3:7]}/{c[7:]}+++" if len(c) == 12 else ""
