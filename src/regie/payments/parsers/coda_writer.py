"""Write CODA 2.6 files from statement values (demo data, benchmarks and tests).

The writer is the inverse of :func:`regie.payments.parsers.coda.parse` for statements that fit
the record layout: ``parse(write_coda(s)).statements == s`` when text fields are cp1252, have
no leading or trailing blanks and fit their zones (holder name 26 characters, counterparty
name 35, BIC 11, bank reference 21, free communication 149 or 96 after a structured
reference, each line of ``information`` 268, each message 80), amounts have at most three
decimals, movements are numbered 1, 2, 3… and transaction codes are 8 digits whose first
digit is a movement type (0–3 for movements, 5–8 for details). An empty transaction code is
written as 00150000 (a credit transfer), or 50150000 for a detail.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from regie.payments.parsers.statement import Movement, Statement

LINE_END = "\r\n"
ENCODING = "cp1252"


class _Line:
    """A 128-character record being filled field by field (1-based positions)."""

    def __init__(self, identification: str) -> None:
        self.chars = [" "] * 128
        self.put(1, identification)

    def put(self, position: int, text: str, width: int | None = None) -> _Line:
        """Write ``text`` at ``position``, left-aligned and padded to ``width``."""
        text = text if width is None else text[:width].ljust(width)
        self.chars[position - 1 : position - 1 + len(text)] = text
        return self

    def __str__(self) -> str:
        return "".join(self.chars)


def write_coda(statements: Iterable[Statement]) -> bytes:
    """Return a CODA 2.6 file holding ``statements``, one record 0 to 9 block each."""
    lines: list[str] = []
    for statement in statements:
        lines.extend(_statement_lines(statement))
    return "".join(line + LINE_END for line in lines).encode(ENCODING)


def _amount(amount: Decimal) -> str:
    """Return the sign digit and the 15 digits (3 decimals) of a signed amount."""
    thousandths = int((abs(amount) * 1000).to_integral_exact())
    return ("1" if amount < 0 else "0") + f"{thousandths:015d}"


def _date(value: date | None) -> str:
    return value.strftime("%d%m%y") if value else "000000"


def _account_zone(account: str, currency: str) -> tuple[str, str]:
    """Return the account structure code and the 37-character account zone."""
    if len(account) == 12 and account.isdigit():
        return "0", f"{account} {currency:3}".ljust(37)
    if len(account) == 16 and account.startswith("BE"):
        return "2", account.ljust(34) + f"{currency:3}"
    return "3", account[:34].ljust(34) + f"{currency:3}"


def _chunks(text: str, widths: tuple[int, ...]) -> list[str]:
    """Return ``text`` cut into consecutive pieces of the given widths."""
    pieces, start = [], 0
    for width in widths:
        pieces.append(text[start : start + width])
        start += width
    return pieces


def _statement_lines(statement: Statement) -> list[str]:
    structure, zone = _account_zone(statement.account, statement.currency)
    number = f"{statement.sequence_number % 1000:03d}"
    header = _Line("00000").put(6, _date(statement.creation_date)).put(12, "00005")
    header.put(35, statement.holder_name, 26).put(61, statement.bank_bic, 11)
    header.put(72, "00000000000").put(84, "00000").put(128, "2")
    old = _Line("1" + structure).put(3, number).put(6, zone)
    old.put(43, _amount(statement.old_balance)).put(59, _date(statement.old_balance_date))
    old.put(65, statement.holder_name, 26).put(126, number)
    body: list[_Line] = []
    for index, movement in enumerate(statement.movements, start=1):
        body.extend(_movement_lines(movement, index, number))
    messages = [
        _Line("4").put(3, "00000000").put(33, m, 80).put(128, "0") for m in statement.messages
    ]
    new = _Line("8").put(2, number).put(5, zone).put(42, _amount(statement.new_balance))
    new.put(58, _date(statement.new_balance_date)).put(128, "0")
    trailer = _Line("9").put(17, f"{len(body) + 2:06d}")
    trailer.put(23, _amount(statement.total_debit)[1:]).put(38, _amount(statement.total_credit)[1:])
    trailer.put(128, "2")
    return [str(line) for line in (header, old, *body, *messages, new, trailer)]


def _movement_lines(movement: Movement, sequence: int, number: str) -> list[_Line]:
    """Return the 2.x and 3.x records of a movement followed by those of its details."""
    lines: list[_Line] = []
    detail = 0
    for article in (movement, *movement.details):
        lines.extend(_article_lines(article, sequence, detail, number, is_detail=detail > 0))
        detail += 1 + len([t for t in article.information.split("\n") if t])
    return lines


def _article_lines(
    movement: Movement, sequence: int, detail: int, number: str, *, is_detail: bool
) -> list[_Line]:
    """Return the records 2.1 (2.2, 2.3) and 3.x of one movement or detail."""
    code = movement.transaction_code or ("50150000" if is_detail else "00150000")
    key = f"{sequence:04d}{detail:04d}"
    if movement.structured_reference:
        zone = "1101" + movement.structured_reference
        rest = _chunks(movement.communication, (0, 53, 43))
    else:
        rest = _chunks(movement.communication, (53, 53, 43))
        zone = "0" + rest[0]
    first = _Line("21").put(3, key).put(11, movement.bank_reference, 21)
    first.put(32, _amount(movement.amount)).put(48, _date(movement.value_date)).put(54, code)
    first.put(62, zone).put(116, _date(movement.entry_date)).put(122, number)
    first.put(125, str(movement.globalisation_code % 10))
    records = [first]
    if rest[1] or movement.counterparty_bic:
        records.append(_Line("22").put(3, key).put(11, rest[1]).put(99, movement.counterparty_bic))
    if rest[2] or movement.counterparty_name or movement.counterparty_account:
        third = _Line("23").put(3, key).put(11, movement.counterparty_account, 34)
        records.append(third.put(48, movement.counterparty_name, 35).put(83, rest[2]))
    for before in records[:-1]:
        before.put(126, "1")  # another record 2 of the same article follows
    information = _information_lines(movement, sequence, detail, code)
    records[-1].put(126, "0").put(128, "1" if information else "0")
    return records + information


def _information_lines(movement: Movement, sequence: int, detail: int, code: str) -> list[_Line]:
    """Return one 3.1 (3.2, 3.3) group per line of the movement's information."""
    records: list[_Line] = []
    texts = [text for text in movement.information.split("\n") if text]
    for offset, text in enumerate(texts, start=1):
        key = f"{sequence:04d}{detail + offset:04d}"
        pieces = _chunks(text, (73, 105, 90))
        group = [_Line("31").put(3, key).put(11, movement.bank_reference, 21).put(32, code)]
        group[0].put(40, "0" + pieces[0])
        if pieces[1]:
            group.append(_Line("32").put(3, key).put(11, pieces[1]))
        if pieces[2]:
            group.append(_Line("33").put(3, key).put(11, pieces[2]))
        for before in group[:-1]:
            before.put(126, "1")
        group[-1].put(126, "0").put(128, "1" if offset < len(texts) else "0")
        records.extend(group)
    return records
