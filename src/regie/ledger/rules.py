"""Posting rules: which balanced entry each money event writes (pure, integer cents).

Every rule returns an :class:`EntryDraft` whose debits equal its credits, or raises. Accounts are
named by role (:class:`AccountRole`) and, where it matters, by activity category, so the chart of
accounts stays a setting of the organisation:

>>> draft = invoice_entry(
...     document="FACT/2026/00001", day=date(2026, 10, 31), person_id=7,
...     amounts_by_category={1: 150, 2: 320})
>>> for line in draft.lines:
...     print(line.role, line.category_id, line.debit, line.credit)
receivable 1 150 0
receivable 2 320 0
revenue 1 0 150
revenue 2 0 320
>>> draft.total
470
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from regie.core.errors import DomainError, gettext_noop
from regie.core.money import format_cents


class AccountRole(StrEnum):
    """What an account is used for; the chart maps each role (and category) to an account."""

    RECEIVABLE = "receivable"  # amounts persons owe, per activity category
    REVENUE = "revenue"  # income, per activity category
    WRITE_OFF = "write_off"  # "non-valeurs": receivables given up
    BANK = "bank"
    CASH = "cash"
    PERSON_CREDIT = "person_credit"  # overpayments a person may use later or get refunded
    SUSPENSE = "suspense"  # bank movements not allocated yet
    FEE_RECEIVABLE = "fee_receivable"  # reminder and bailiff fees persons owe
    FEE_REVENUE = "fee_revenue"  # income of those fees
    INTERNAL_TRANSFER = "internal_transfer"  # money between the organisation's own accounts
    BANK_CHARGES = "bank_charges"  # bank fees and charges (an expense)
    SET_ASIDE = "set_aside"  # received movements set aside for another reason, to classify
    CLEARING = "provider_clearing"  # online payments held by the payment provider until payout
    PROVIDER_FEES = "provider_fees"  # the payment provider's fees (an expense)


class Journal(StrEnum):
    SALES = "VEN"
    BANK = "BNK"
    CASH = "CSH"
    MISC = "OD"


@dataclass(frozen=True)
class LineDraft:
    role: AccountRole
    debit: int
    credit: int
    category_id: int | None = None
    person_id: int | None = None
    label: str = ""


@dataclass(frozen=True)
class EntryDraft:
    journal: Journal
    day: date
    label: str
    document: str
    lines: tuple[LineDraft, ...]

    @property
    def total(self) -> int:
        return sum(line.debit for line in self.lines)


def check_balanced(lines: Sequence[LineDraft], document: str = "") -> None:
    """Raise unless the lines are non-negative, one-sided, and debits equal credits."""
    for line in lines:
        if line.debit < 0 or line.credit < 0 or (line.debit and line.credit):
            raise DomainError(
                "ledger.bad_line",
                gettext_noop("A line of entry %(document)s must be either a debit or a credit."),
                document=document,
            )
    debit = sum(line.debit for line in lines)
    credit = sum(line.credit for line in lines)
    if debit != credit:
        raise DomainError(
            "ledger.unbalanced",
            gettext_noop(
                "Entry %(document)s does not balance: debits %(debit)s ≠ credits %(credit)s."
            ),
            document=document,
            debit=format_cents(debit),
            credit=format_cents(credit),
        )


def _entry(journal, day, label, document, lines) -> EntryDraft:
    lines = tuple(line for line in lines if line.debit or line.credit)
    check_balanced(lines, document)
    return EntryDraft(journal, day, label, document, lines)


def invoice_entry(
    *, document: str, day: date, person_id: int, amounts_by_category: Mapping[int, int]
) -> EntryDraft:
    """Debit the person's receivable and credit revenue, per activity category."""
    categories = sorted(amounts_by_category)
    lines = [
        LineDraft(AccountRole.RECEIVABLE, amounts_by_category[c], 0, c, person_id)
        for c in categories
    ] + [LineDraft(AccountRole.REVENUE, 0, amounts_by_category[c], c) for c in categories]
    return _entry(Journal.SALES, day, document, document, lines)


def credit_note_entry(
    *, document: str, day: date, person_id: int, amounts_by_category: Mapping[int, int]
) -> EntryDraft:
    """Reverse an invoice's revenue and receivable (a credit note)."""
    categories = sorted(amounts_by_category)
    lines = [LineDraft(AccountRole.REVENUE, amounts_by_category[c], 0, c) for c in categories] + [
        LineDraft(AccountRole.RECEIVABLE, 0, amounts_by_category[c], c, person_id)
        for c in categories
    ]
    return _entry(Journal.SALES, day, document, document, lines)


def write_off_entry(
    *,
    document: str,
    day: date,
    person_id: int,
    amounts_by_category: Mapping[int, int],
    reverse: bool = False,
) -> EntryDraft:
    """Give up part of a receivable ("non-valeur"), or undo that with ``reverse``."""
    categories = sorted(amounts_by_category)
    expense = [LineDraft(AccountRole.WRITE_OFF, amounts_by_category[c], 0, c) for c in categories]
    receivable = [
        LineDraft(AccountRole.RECEIVABLE, 0, amounts_by_category[c], c, person_id)
        for c in categories
    ]
    if reverse:
        expense = [_swap(line) for line in expense]
        receivable = [_swap(line) for line in receivable]
    return _entry(Journal.MISC, day, document, document, expense + receivable)


def _swap(line: LineDraft) -> LineDraft:
    return LineDraft(
        line.role, line.credit, line.debit, line.category_id, line.person_id, line.label
    )


# -- Hash chain ------------------------------------------------------------------------------


def entry_digest(previous: str, header: Mapping[str, object], lines: Iterable[Mapping]) -> str:
    """Return the SHA-256 chaining an entry to the previous one over its header and lines.

    The serialisation is canonical (sorted keys, no spaces, ISO dates), so recomputing it from
    the stored rows gives the same digest unless a stored value changed.
    """
    payload = {"previous": previous, "header": header, "lines": list(lines)}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# -- Payments --------------------------------------------------------------------------------

MONEY_ROLES = {
    "bank": AccountRole.BANK,
    "cash": AccountRole.CASH,
    "clearing": AccountRole.CLEARING,
}
JOURNAL_OF = {"bank": Journal.BANK, "cash": Journal.CASH, "clearing": Journal.MISC}


def payment_entry(
    *, document: str, day: date, person_id: int, amount: int, via: str, reverse: bool = False
) -> EntryDraft:
    """Money received from a person: bank, cash or the payment provider's clearing account (an
    online payment, until the provider pays it out) against the person's credit until
    allocated."""
    money = LineDraft(MONEY_ROLES[via], amount, 0, None, None)
    held = LineDraft(AccountRole.PERSON_CREDIT, 0, amount, None, person_id)
    lines = [_swap(money), _swap(held)] if reverse else [money, held]
    return _entry(JOURNAL_OF[via], day, document, document, lines)


def allocation_entry(
    *,
    document: str,
    day: date,
    person_id: int,
    amounts_by_category: Mapping[int, int],
    reverse: bool = False,
) -> EntryDraft:
    """A person's credit pays invoices: credit the receivables, per category."""
    categories = sorted(amounts_by_category)
    total = sum(amounts_by_category.values())
    lines = [LineDraft(AccountRole.PERSON_CREDIT, total, 0, None, person_id)] + [
        LineDraft(AccountRole.RECEIVABLE, 0, amounts_by_category[c], c, person_id)
        for c in categories
    ]
    if reverse:
        lines = [_swap(line) for line in lines]
    return _entry(Journal.MISC, day, document, document, lines)


def suspense_entry(
    *, document: str, day: date, amount: int, reverse: bool = False, via: str = "bank"
) -> EntryDraft:
    """A received movement nobody could match yet: bank against the suspense account; an
    online payment nobody could match (``via`` the provider's clearing account) likewise."""
    lines = [
        LineDraft(MONEY_ROLES[via], amount, 0),
        LineDraft(AccountRole.SUSPENSE, 0, amount),
    ]
    if reverse:
        lines = [_swap(line) for line in lines]
    return _entry(JOURNAL_OF[via], day, document, document, lines)


def suspense_to_person_entry(
    *, document: str, day: date, person_id: int, amount: int, reverse: bool = False
) -> EntryDraft:
    """A rejected movement allocated by hand: from the suspense account to the person's credit.

    ``reverse``: the payment made from a bank movement is cancelled, the money is still in the
    bank: from the person's credit back to the suspense account, to be allocated again.
    """
    lines = [
        LineDraft(AccountRole.SUSPENSE, amount, 0),
        LineDraft(AccountRole.PERSON_CREDIT, 0, amount, None, person_id),
    ]
    if reverse:
        lines = [_swap(line) for line in lines]
    return _entry(Journal.MISC, day, document, document, lines)


def suspense_release_entry(
    *, document: str, day: date, amount: int, to: AccountRole, reverse: bool = False
) -> EntryDraft:
    """A movement nobody owes leaves the suspense account: set aside on the account ``to``
    (an internal transfer, bank charges…), or refunded to its payer (``to`` the bank).

    ``reverse``: that is undone, the movement is on the suspense account again.

    >>> [(l.role.value, l.debit, l.credit) for l in suspense_release_entry(
    ...     document="MVT9/S1", day=date(2026, 4, 1), amount=1250,
    ...     to=AccountRole.BANK_CHARGES).lines]
    [('suspense', 1250, 0), ('bank_charges', 0, 1250)]
    >>> draft = suspense_release_entry(
    ...     document="REFUND4/X", day=date(2026, 4, 2), amount=1250, to=AccountRole.BANK,
    ...     reverse=True)
    >>> draft.journal.value, [(l.role.value, l.debit, l.credit) for l in draft.lines]
    ('BNK', [('bank', 1250, 0), ('suspense', 0, 1250)])
    """
    lines = [LineDraft(AccountRole.SUSPENSE, amount, 0), LineDraft(to, 0, amount)]
    if reverse:
        lines = [_swap(line) for line in lines][::-1]
    journal = Journal.BANK if to == AccountRole.BANK else Journal.MISC
    return _entry(journal, day, document, document, lines)


def refund_entry(
    *, document: str, day: date, person_id: int, amount: int, via: str = "bank"
) -> EntryDraft:
    """A person's credit paid back by transfer (``via`` the bank), or through the payment
    provider's refund (``via`` its clearing account: the provider takes it from the money it
    holds for us)."""
    lines = [
        LineDraft(AccountRole.PERSON_CREDIT, amount, 0, None, person_id),
        LineDraft(MONEY_ROLES[via], 0, amount),
    ]
    return _entry(JOURNAL_OF[via], day, document, document, lines)


def payout_entry(
    *, document: str, day: date, amount: int, fees: int, reverse: bool = False
) -> EntryDraft:
    """The payment provider's payout arrived on a bank statement (booked on the suspense
    account by the import): it empties the clearing account of what it covers, the amount
    paid out plus the provider's fees, which are an expense; ``reverse`` undoes that.

    >>> [(l.role.value, l.debit, l.credit) for l in payout_entry(
    ...     document="MVT9/S1", day=date(2026, 5, 6), amount=2929, fees=71).lines]
    [('suspense', 2929, 0), ('provider_fees', 71, 0), ('provider_clearing', 0, 3000)]
    """
    lines = [
        LineDraft(AccountRole.SUSPENSE, amount, 0),
        LineDraft(AccountRole.PROVIDER_FEES, fees, 0),
        LineDraft(AccountRole.CLEARING, 0, amount + fees),
    ]
    if reverse:
        lines = [_swap(line) for line in lines]
    return _entry(Journal.MISC, day, document, document, lines)


# -- Collection (reminder fees) ----------------------------------------------------------------


def fee_entry(
    *, document: str, day: date, person_id: int, amount: int, reverse: bool = False
) -> EntryDraft:
    """A reminder's fee is a receivable of its own; ``reverse`` when the reminder is cancelled.

    >>> [(l.role.value, l.debit, l.credit) for l in fee_entry(
    ...     document="RAP/2026/00001", day=date(2026, 4, 1), person_id=7, amount=500).lines]
    [('fee_receivable', 500, 0), ('fee_revenue', 0, 500)]
    """
    lines = [
        LineDraft(AccountRole.FEE_RECEIVABLE, amount, 0, None, person_id),
        LineDraft(AccountRole.FEE_REVENUE, 0, amount),
    ]
    if reverse:
        lines = [_swap(line) for line in lines]
    return _entry(Journal.SALES, day, document, document, lines)


def fee_payment_entry(
    *, document: str, day: date, person_id: int, amount: int, reverse: bool = False
) -> EntryDraft:
    """A person's credit (a payment of a reminder or a plan) pays a fee, or that is undone."""
    lines = [
        LineDraft(AccountRole.PERSON_CREDIT, amount, 0, None, person_id),
        LineDraft(AccountRole.FEE_RECEIVABLE, 0, amount, None, person_id),
    ]
    if reverse:
        lines = [_swap(line) for line in lines]
    return _entry(Journal.MISC, day, document, document, lines)


# -- Fees of other services ------------------------------------------------------------------


def service_file_entry(
    *,
    document: str,
    day: date,
    person_id: int,
    category_id: int,
    amount: int,
    reverse: bool = False,
) -> EntryDraft:
    """A person's credit (a payment with a service file's communication) pays the file: the
    service's revenue, in its category; ``reverse`` when that payment is cancelled.

    >>> [(l.role.value, l.category_id, l.debit, l.credit) for l in service_file_entry(
    ...     document="105/0000001", day=date(2026, 5, 4), person_id=7, category_id=3,
    ...     amount=3000).lines]
    [('person_credit', None, 3000, 0), ('revenue', 3, 0, 3000)]
    """
    lines = [
        LineDraft(AccountRole.PERSON_CREDIT, amount, 0, None, person_id),
        LineDraft(AccountRole.REVENUE, 0, amount, category_id, person_id),
    ]
    if reverse:
        lines = [_swap(line) for line in lines]
    return _entry(Journal.MISC, day, document, document, lines)
