"""Assemble one CODA statement from its records, checking their order and its totals."""

from __future__ import annotations

from decimal import Decimal

from stdnum.be import ogm_vcs

from regie.core.errors import gettext_noop
from regie.payments.parsers.coda_records import CodaError, FieldReader
from regie.payments.parsers.statement import Movement, Statement

BOOKED_TYPES = "0123"
DETAIL_TYPES = "5678"
STRUCTURED_CODES = ("101", "102")
CONTINUES = {"2.2": ("2.1",), "2.3": ("2.1", "2.2"), "3.2": ("3.1",), "3.3": ("3.1", "3.2")}


class _Article:
    """A movement or a detail line being assembled from its 2.x and 3.x records."""

    def __init__(self, kind: str, fields: dict[str, object], communication: list[str]) -> None:
        self.kind = kind
        self.fields = fields
        self.communication = communication
        self.information: list[list[str]] = []
        self.details: list[_Article] = []

    def build(self) -> Movement:
        """Return the frozen movement."""
        texts = ("".join(parts).strip() for parts in self.information)
        return Movement(
            **self.fields,  # type: ignore[arg-type]
            communication="".join(self.communication).strip(),
            information="\n".join(text for text in texts if text),
            details=tuple(detail.build() for detail in self.details),
        )


class StatementReader:
    """Read the records of one statement, from its record 0 to its record 9."""

    def __init__(self, group: list[tuple[int, str]]) -> None:
        self.lines = [FieldReader(number, text) for number, text in group]
        self.errors: list[CodaError] = []
        self.header: dict[str, object] = {}
        self.old: dict[str, object] = {}
        self.new: dict[str, object] = {}
        self.movements: list[_Article] = []
        self.messages: list[str] = []
        self.article: _Article | None = None  # the movement or detail records attach to
        self.sequence = 0
        self.detail = 0
        self.previous = "1"
        self.structure = "0"
        self.new_line = self.lines[-1]
        self.counted = 0

    def read(self) -> tuple[Statement, list[CodaError]]:
        """Return the statement and the inconsistencies found in it."""
        self._read_header(self.lines[0])
        for field in self.lines[1:-1]:
            self._read_line(field)
        if not self.new:
            self._order_error(self.lines[-1], "8")
        self._check_trailer(self.lines[-1])
        movements = tuple(article.build() for article in self.movements)
        statement = Statement(
            movements=movements,
            messages=tuple(self.messages),
            **self.header,  # type: ignore[arg-type]
            **self.old,  # type: ignore[arg-type]
            **self.new,  # type: ignore[arg-type]
        )
        self._check_balances(statement)
        return statement, self.errors

    def _read_line(self, field: FieldReader) -> None:
        kind = field.text[0]
        if kind == "1":
            if self.old:
                self._order_error(field, "2.1, 3.1, 4 or 8")
            self._read_old_balance(field)
        elif not self.old:
            self._order_error(field, "1")
        elif kind == "4":
            self.messages.append(field.text_at(33, 112))
        elif self.new:
            self._order_error(field, "4 or 9")
        elif kind == "8":
            self._read_new_balance(field)
        elif kind in "23" and field.text[1] in "123":
            self._read_article(field)
        else:
            raise field.error(
                "coda.unknown_record",
                gettext_noop(
                    "Line %(line)s starts with “%(value)s”, which is not a CODA record "
                    "identification (0, 1, 2.1–2.3, 3.1–3.3, 4, 8 or 9)."
                ),
                value=field.text[:2],
            )
        if kind in "1238":
            self.counted += 1

    def _order_error(self, field: FieldReader, expected: str) -> None:
        raise field.error(
            "coda.record_order",
            gettext_noop(
                "Line %(line)s (record %(record)s) is out of place: a record %(expected)s was "
                "expected there. Records are missing or in the wrong order."
            ),
            expected=expected,
        )

    def _read_header(self, field: FieldReader) -> None:
        self.header = {
            "creation_date": field.date_at(6, "creation date"),
            "bank_bic": field.text_at(61, 71),
        }

    def _read_old_balance(self, field: FieldReader) -> None:
        self.structure = field.text[1]
        account, currency = field.account_at(6, self.structure)
        self.old = {
            "account": account,
            "currency": currency,
            "sequence_number": field.number_at(3, 5, "statement number"),
            "old_balance": field.amount_at(43, 44, "old balance"),
            "old_balance_date": field.date_at(59, "old balance date"),
            "holder_name": field.text_at(65, 90),
        }

    def _read_new_balance(self, field: FieldReader) -> None:
        self.new = {
            "new_balance": field.amount_at(42, 43, "new balance"),
            "new_balance_date": field.date_at(58, "new balance date"),
        }
        self.new_line = field
        account, currency = field.account_at(5, self.structure)
        if (account, currency) != (self.old["account"], self.old["currency"]):
            self.errors.append(
                field.error(
                    "coda.account_mismatch",
                    gettext_noop(
                        "Line %(line)s (record %(record)s) closes account %(account)s "
                        "%(currency)s, but the statement opened on account %(expected)s. The "
                        "file is inconsistent; ask the bank for it again."
                    ),
                    account=account,
                    currency=currency,
                    expected=f"{self.old['account']} {self.old['currency']}",
                )
            )

    def _read_article(self, field: FieldReader) -> None:
        sequence = field.number_at(3, 6, "sequence number")
        detail = field.number_at(7, 10, "detail number")
        record = field.record
        if record == "2.1" and detail == 0:
            valid = sequence == self.sequence + 1
            expected = f"{self.sequence + 1:04d}/0000"
        elif record in ("2.1", "3.1"):
            valid = bool(self.movements) and sequence == self.sequence and detail > self.detail
            expected = (
                f"{self.sequence:04d}/{self.detail + 1:04d}" if self.movements else "0001/0000"
            )
        else:
            if self.previous not in CONTINUES[record]:
                self._order_error(field, " or ".join(CONTINUES[record]))
            valid = (sequence, detail) == (self.sequence, self.detail)
            expected = f"{self.sequence:04d}/{self.detail:04d}"
        if not valid:
            raise field.error(
                "coda.sequence",
                gettext_noop(
                    "Line %(line)s (record %(record)s) has sequence number %(found)s where "
                    "%(expected)s was expected: records are missing or in the wrong order."
                ),
                found=f"{sequence:04d}/{detail:04d}",
                expected=expected,
            )
        self.sequence, self.detail, self.previous = sequence, detail, record
        getattr(self, "_read_" + record.replace(".", "_"))(field)

    def _read_2_1(self, field: FieldReader) -> None:
        detail = self.detail > 0
        kind = field.text[53]
        if kind not in (DETAIL_TYPES if detail else BOOKED_TYPES):
            raise field.error(
                "coda.movement_type",
                gettext_noop(
                    "Line %(line)s (record %(record)s) has movement type %(value)s (position "
                    "54); a %(what)s must have type %(allowed)s."
                ),
                value=kind,
                what="detail line" if detail else "movement",
                allowed="5 to 8" if detail else "0 to 3",
            )
        field.number_at(54, 61, "transaction code")
        reference, communication = _communication(field, 62, 63, 115)
        article = _Article(
            kind,
            {
                "sequence": self.sequence,
                "bank_reference": field.text_at(11, 31),
                "amount": field.amount_at(32, 33, "amount"),
                "value_date": field.date_at(48, "value date"),
                "transaction_code": field.text[53:61],
                "structured_reference": reference,
                "entry_date": field.date_at(116, "entry date"),
                "globalisation_code": field.number_at(125, 125, "globalisation code"),
            },
            communication,
        )
        if detail:
            self.movements[-1].details.append(article)
        else:
            self.movements.append(article)
        self.article = article

    def _read_2_2(self, field: FieldReader) -> None:
        assert self.article is not None
        self.article.communication.append(field.text[10:63])
        self.article.fields["counterparty_bic"] = field.text_at(99, 109)

    def _read_2_3(self, field: FieldReader) -> None:
        assert self.article is not None
        zone = field.text[10:47]
        belgian = zone[:12].isascii() and zone[:12].isdigit() and zone[12] == " "
        account = zone[:12] if belgian else zone[:34].strip()
        self.article.fields["counterparty_account"] = account
        self.article.fields["counterparty_name"] = field.text_at(48, 82)
        self.article.communication.append(field.text[82:125])

    def _read_3_1(self, field: FieldReader) -> None:
        assert self.article is not None
        field.number_at(32, 39, "transaction code")
        structure = field.text[39]
        if structure not in "01":
            _raise_communication_type(field, 40, structure)
        start = 44 if structure == "1" else 41  # a structured zone starts with its type code
        self.article.information.append([field.text[start - 1 : 113]])

    def _read_3_2(self, field: FieldReader) -> None:
        assert self.article is not None
        self.article.information[-1].append(field.text[10:115])

    def _read_3_3(self, field: FieldReader) -> None:
        assert self.article is not None
        self.article.information[-1].append(field.text[10:100])

    def _check_trailer(self, field: FieldReader) -> None:
        count = field.number_at(17, 22, "number of records")
        debit = Decimal(field.number_at(23, 37, "debit total")).scaleb(-3)
        credit = Decimal(field.number_at(38, 52, "credit total")).scaleb(-3)
        booked = [article.fields["amount"] for article in self.movements]
        found_credit = sum((a for a in booked if a > 0), Decimal(0))  # type: ignore[operator]
        found_debit = -sum((a for a in booked if a < 0), Decimal(0))  # type: ignore[operator]
        if count != self.counted:
            self.errors.append(
                field.error(
                    "coda.trailer_count",
                    gettext_noop(
                        "Line %(line)s (record %(record)s) announces %(announced)s records 1, 2, 3 "
                        "and 8, but the statement has %(found)s. Records are missing or extra."
                    ),
                    announced=count,
                    found=self.counted,
                )
            )
        for side, announced, found in (
            ("debit", debit, found_debit),
            ("credit", credit, found_credit),
        ):
            if announced != found:
                self.errors.append(
                    field.error(
                        f"coda.trailer_{side}",
                        gettext_noop(
                            "Line %(line)s (record %(record)s) announces a %(side)s total of "
                            "%(announced)s, but the movements add up to %(found)s."
                        ),
                        side=side,
                        announced=announced,
                        found=found,
                    )
                )

    def _check_balances(self, statement: Statement) -> None:
        moved = sum((m.amount for m in statement.movements), Decimal(0))
        if statement.old_balance + moved != statement.new_balance:
            self.errors.append(
                self.new_line.error(
                    "coda.balance",
                    gettext_noop(
                        "Line %(line)s (record %(record)s): the new balance %(new)s is not the old "
                        "balance %(old)s plus the movements %(moved)s (that makes %(expected)s)."
                    ),
                    new=statement.new_balance,
                    old=statement.old_balance,
                    moved=moved,
                    expected=statement.old_balance + moved,
                )
            )


def _communication(field: FieldReader, flag: int, start: int, end: int) -> tuple[str, list[str]]:
    """Return the structured reference and the free communication parts of a 2.1 zone."""
    kind = field.text[flag - 1]
    if kind not in "01":
        _raise_communication_type(field, flag, kind)
    zone = field.text[start - 1 : end]
    if kind == "0":
        return "", [zone]
    code, body = zone[:3], zone[3:]
    digits = body[:12]
    if code in STRUCTURED_CODES and digits.isascii() and ogm_vcs.is_valid(digits):
        return digits, [body[12:].strip()]
    return "", [body]


def _raise_communication_type(field: FieldReader, position: int, value: str) -> None:
    raise field.error(
        "coda.communication_type",
        gettext_noop(
            "Line %(line)s (record %(record)s): the communication type (position %(position)s) is "
            "“%(value)s”; it must be 0 (free) or 1 (structured)."
        ),
        position=position,
        value=value,
    )
