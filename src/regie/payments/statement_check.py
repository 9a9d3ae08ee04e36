"""Check a bank statement file before importing it: read it, whatever its format, and sum it up.

:func:`check_file` reads a file, recognises CODA or camt.053 from its content (an XML document
is camt.053; anything else is read as CODA, whose parser then says what is wrong with a file
that is not one) and returns a :class:`FileCheck`: the figures of every statement, or every
reason to refuse the file. It never raises: a missing or unreadable file is a refusal too.

A file is refused when its parser reports any error, when it holds no statement, when an
amount has a fraction of a cent, since Regie stores integer cents and could not import it, and
when a statement is not in euros.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from regie.core.errors import DomainError, gettext_noop
from regie.payments.parsers import camt053, coda
from regie.payments.parsers.statement import Statement, StatementFile, exact_cents

__all__ = ["FORMATS", "FileCheck", "StatementFigures", "check_data", "check_file", "detect_format"]

Checker = Callable[[bytes], tuple[StatementFile | None, Sequence[DomainError]]]

FORMATS: dict[str, Checker] = {"coda": coda.check, "camt053": camt053.check}

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

READ_ERRORS: tuple[tuple[type[OSError], str, str], ...] = (
    (FileNotFoundError, "statements.missing", gettext_noop("The file does not exist.")),
    (IsADirectoryError, "statements.directory", gettext_noop("This is a folder, not a file.")),
    (
        PermissionError,
        "statements.permission",
        gettext_noop("You are not allowed to read this file."),
    ),
)


@dataclass(frozen=True)
class StatementFigures:
    """What a finance officer checks of one statement, amounts in integer cents."""

    account: str
    currency: str
    sequence_number: int
    old_balance_cents: int
    old_balance_date: date | None
    new_balance_cents: int
    new_balance_date: date | None
    movements: int
    total_debit_cents: int
    total_credit_cents: int

    @classmethod
    def of(cls, statement: Statement) -> StatementFigures:
        """Return the figures of ``statement``, raising a DomainError for a fraction of a cent
        or a currency other than the euro (Regie books euros only)."""
        if statement.currency and statement.currency.upper() != "EUR":
            raise DomainError(
                "statements.not_eur",
                gettext_noop(
                    "Statement %(number)s of account %(account)s is in %(currency)s; Regie "
                    "books euros only. Import the statements of your euro accounts only."
                ),
                number=statement.sequence_number,
                account=statement.account,
                currency=statement.currency,
            )
        for movement in statement.movements:
            exact_cents(movement.amount)  # refused even when the fractions cancel out
        return cls(
            account=statement.account,
            currency=statement.currency,
            sequence_number=statement.sequence_number,
            old_balance_cents=statement.old_balance_cents,
            old_balance_date=statement.old_balance_date,
            new_balance_cents=statement.new_balance_cents,
            new_balance_date=statement.new_balance_date,
            movements=len(statement.movements),
            total_debit_cents=exact_cents(statement.total_debit),
            total_credit_cents=exact_cents(statement.total_credit),
        )


@dataclass(frozen=True)
class FileCheck:
    """The outcome of checking one file: its statements' figures, or why it is refused."""

    path: str
    format: str = ""  # "coda" or "camt053"; "" when the file could not be read
    statements: tuple[StatementFigures, ...] = ()
    errors: tuple[DomainError, ...] = ()
    warnings: tuple[DomainError, ...] = ()  # read all the same (lines padded with blanks)

    @property
    def accepted(self) -> bool:
        """Return whether the file can be imported."""
        return not self.errors


def detect_format(data: bytes) -> str:
    """Return "camt053" when ``data`` is an XML document, else "coda"."""
    if data.startswith(UTF16_BOMS):
        return "camt053"
    return "camt053" if data.removeprefix(UTF8_BOM).lstrip().startswith(b"<") else "coda"


def check_file(path: str | Path) -> FileCheck:
    """Return the check of the file at ``path``."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        return FileCheck(str(path), errors=(_read_error(error),))
    return check_data(data, str(path))


def check_data(data: bytes, path: str = "") -> FileCheck:
    """Return the check of the content ``data`` of the file named ``path``."""
    kind = detect_format(data)
    result, errors = FORMATS[kind](data)
    if errors or result is None:
        return FileCheck(path, kind, errors=tuple(errors))
    if not result.statements:
        empty = DomainError("statements.none", gettext_noop("The file contains no bank statement."))
        return FileCheck(path, kind, errors=(empty,))
    figures, refusals = [], []
    for statement in result.statements:
        try:
            figures.append(StatementFigures.of(statement))
        except DomainError as error:
            refusals.append(error)
    if refusals:
        return FileCheck(path, kind, errors=tuple(refusals))
    return FileCheck(path, kind, tuple(figures), warnings=result.warnings)


def _read_error(error: OSError) -> DomainError:
    """Return the refusal of a file the system would not read."""
    for kind, code, template in READ_ERRORS:
        if isinstance(error, kind):
            return DomainError(code, template)
    return DomainError(
        "statements.unreadable",
        gettext_noop("The file cannot be read (%(reason)s)."),
        reason=error.strerror or type(error).__name__,
    )
