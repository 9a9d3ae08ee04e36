"""Bank statements as plain frozen values, shared by the CODA and camt.053 parsers.

Amounts are ``Decimal`` euros as the bank wrote them (CODA carries three decimals); the
``*_cents`` properties convert them to the integer cents Regie stores, refusing an amount
with a non-zero third decimal rather than rounding money away.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from regie.core.errors import DomainError, gettext_noop
from regie.core.money import to_cents

CENT = Decimal("0.01")


def exact_cents(amount: Decimal) -> int:
    """Return ``amount`` as integer cents, refusing fractions of a cent."""
    if amount != amount.quantize(CENT):
        raise DomainError(
            "statement.sub_cent_amount",
            gettext_noop(
                "The amount %(amount)s has more than two decimals and cannot be imported. Ask "
                "the bank for a statement in EUR."
            ),
            amount=amount,
        )
    return to_cents(amount)


@dataclass(frozen=True)
class Movement:
    """One booked amount of a statement, or one detail line of a globalised amount.

    ``amount`` is signed: a credit (money received) is positive, a debit negative.
    ``structured_reference`` holds the 12 digits of a valid Belgian structured communication
    (+++123/4567/89012+++ without the decoration), or "" when there is none; any other text
    the payer wrote is in ``communication``. ``details`` are the lines a globalised amount is
    made of: they are information only and never counted in the statement's totals.
    """

    sequence: int
    amount: Decimal
    value_date: date | None = None
    entry_date: date | None = None
    transaction_code: str = ""
    bank_reference: str = ""
    structured_reference: str = ""
    communication: str = ""
    counterparty_name: str = ""
    counterparty_account: str = ""
    counterparty_bic: str = ""
    information: str = ""
    globalisation_code: int = 0
    details: tuple[Movement, ...] = ()

    @property
    def amount_cents(self) -> int:
        """Return the signed amount in integer cents."""
        return exact_cents(self.amount)

    @property
    def is_credit(self) -> bool:
        """Return whether the account received this amount."""
        return self.amount >= 0


@dataclass(frozen=True)
class Statement:
    """One statement of one account: balances before and after, and the booked movements."""

    account: str
    currency: str
    old_balance: Decimal
    new_balance: Decimal
    old_balance_date: date | None = None
    new_balance_date: date | None = None
    sequence_number: int = 0
    holder_name: str = ""
    creation_date: date | None = None
    bank_bic: str = ""
    movements: tuple[Movement, ...] = ()
    messages: tuple[str, ...] = ()

    @property
    def total_credit(self) -> Decimal:
        """Return the sum of the credited amounts (positive)."""
        return sum((m.amount for m in self.movements if m.amount > 0), Decimal(0))

    @property
    def total_debit(self) -> Decimal:
        """Return the sum of the debited amounts, as a positive number."""
        return -sum((m.amount for m in self.movements if m.amount < 0), Decimal(0))

    @property
    def old_balance_cents(self) -> int:
        """Return the opening balance in integer cents."""
        return exact_cents(self.old_balance)

    @property
    def new_balance_cents(self) -> int:
        """Return the closing balance in integer cents."""
        return exact_cents(self.new_balance)


@dataclass(frozen=True)
class StatementFile:
    """The statements of one bank file, in file order, and what was read with a warning
    (a file whose lines had lost their trailing blanks, say)."""

    statements: tuple[Statement, ...] = ()
    warnings: tuple[DomainError, ...] = ()

    @property
    def movements(self) -> tuple[Movement, ...]:
        """Return every booked movement of every statement, in file order."""
        return tuple(m for s in self.statements for m in s.movements)
