"""Fixed-position fields of CODA records, and the error naming the line and record at fault."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from regie.core.errors import DomainError, gettext_noop


class CodaError(DomainError):
    """A CODA file that cannot be read or does not add up, naming the line and record."""

    def __init__(self, code: str, template: str, **params: object) -> None:
        super().__init__(code, template, **params)
        self.line = params.get("line")
        self.record = params.get("record")


def record_name(text: str) -> str:
    """Return the record identification of a line: "0", "2.1", "3.2", "8"…"""
    if text[:1] in ("2", "3"):
        return f"{text[0]}.{text[1:2]}"
    return text[:1]


class FieldReader:
    """Read the fixed-position fields of one line, raising a named error on bad content."""

    def __init__(self, number: int, text: str) -> None:
        self.number = number
        self.text = text
        self.record = record_name(text)

    def text_at(self, start: int, end: int) -> str:
        """Return positions start–end (1-based, inclusive) stripped."""
        return self.text[start - 1 : end].strip()

    def error(self, code: str, template: str, **params: object) -> CodaError:
        """Return a :class:`CodaError` about this line."""
        return CodaError(code, template, line=self.number, record=self.record, **params)

    def number_at(self, start: int, end: int, field: str) -> int:
        """Return positions start–end as a number."""
        value = self.text[start - 1 : end]
        if not (value.isascii() and value.isdigit()):
            raise self.error(
                "coda.not_a_number",
                gettext_noop(
                    "Line %(line)s (record %(record)s): the %(field)s (positions %(start)s to "
                    "%(end)s) should be digits but reads “%(value)s”. The file is damaged."
                ),
                field=field,
                start=start,
                end=end,
                value=value,
            )
        return int(value)

    def amount_at(self, sign: int, start: int, field: str) -> Decimal:
        """Return the signed amount: a sign digit, then 15 digits with 3 decimals."""
        flag = self.text[sign - 1]
        if flag not in "01":
            raise self.error(
                "coda.amount_sign",
                gettext_noop(
                    "Line %(line)s (record %(record)s): the sign of the %(field)s (position "
                    "%(position)s) is “%(value)s”; it must be 0 (credit) or 1 (debit)."
                ),
                field=field,
                position=sign,
                value=flag,
            )
        amount = Decimal(self.number_at(start, start + 14, field)).scaleb(-3)
        return -amount if flag == "1" else amount

    def date_at(self, start: int, field: str) -> date | None:
        """Return the DDMMYY date at ``start``, or None for 000000."""
        value = self.number_at(start, start + 5, field)
        if value == 0:
            return None
        day, month, year = value // 10000, value // 100 % 100, value % 100
        try:
            return date(2000 + year, month, day)
        except ValueError:
            raise self.error(
                "coda.invalid_date",
                gettext_noop(
                    "Line %(line)s (record %(record)s): the %(field)s “%(value)s” (positions "
                    "%(start)s to %(end)s) is not a date."
                ),
                field=field,
                value=self.text[start - 1 : start + 5],
                start=start,
                end=start + 5,
            ) from None

    def account_at(self, start: int, structure: str) -> tuple[str, str]:
        """Return the account number and currency of the 37-character account zone."""
        zone = self.text[start - 1 : start + 36]
        if structure == "0":
            return zone[:12].strip(), zone[13:16].strip()
        if structure == "2":
            return zone[:16].strip(), zone[34:37].strip()
        if structure in ("1", "3"):
            return zone[:34].strip(), zone[34:37].strip()
        raise self.error(
            "coda.account_structure",
            gettext_noop(
                "Line %(line)s (record %(record)s): the account structure code is “%(value)s”; "
                "it must be 0, 1, 2 or 3."
            ),
            value=structure,
        )
