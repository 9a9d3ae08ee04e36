"""Read CODA 2.6 files, the Febelfin "coded statement of account" of Belgian banks.

A CODA file is a sequence of 128-character records in cp1252: 0 header, 1 old balance,
2.1/2.2/2.3 movement, 3.1/3.2/3.3 information, 4 free message, 8 new balance, 9 trailer.
A new record 0 starts another statement of the same file.

Globalisation: a movement whose detail number (positions 7–10) is 0000 is the amount booked
on the account, with movement type 0–3 (position 54); records 2.1 with a higher detail
number and type 5–8 are the lines a globalised amount is made of. They become the
``details`` of their movement and are never counted: the record 9 totals, as the banks
compute them, only sum types 0–3, and the balances only move by those. We rely on the
movement type and not on the globalisation code (position 125), which banks fill
inconsistently (it is kept in ``Movement.globalisation_code`` for information).

Record 9 counts the records 1, 2.x, 3.x and 8 of its statement (not 0, 4 or 9 itself), as
the Febelfin sample and the banks' files confirm.

:func:`check` returns the file together with every inconsistency found (trailer count and
totals, balances, account of record 8) so a finance officer sees all problems at once; a file
whose records cannot be read at all gives ``None`` and the first structural error.
:func:`parse` raises the first error. Every problem is a :class:`CodaError`.
"""

from __future__ import annotations

from regie.core.errors import gettext_noop
from regie.payments.parsers.coda_records import CodaError, FieldReader, record_name
from regie.payments.parsers.coda_statement import StatementReader
from regie.payments.parsers.statement import StatementFile

__all__ = ["CodaError", "CodaFile", "check", "parse"]

RECORD_LENGTH = 128
SUPPORTED_VERSION = "2"

CodaFile = StatementFile


def parse(data: bytes) -> StatementFile:
    """Return the statements of a CODA file, raising the first :class:`CodaError` found."""
    result, errors = check(data)
    if errors:
        raise errors[0]
    assert result is not None
    return result


def check(data: bytes) -> tuple[StatementFile | None, list[CodaError]]:
    """Return the statements of a CODA file and every error found in it."""
    try:
        lines = _split(data)
        groups = _group(lines)
        parsed = [StatementReader(group).read() for group in groups]
    except CodaError as error:
        return None, [error]
    errors = [error for _, statement_errors in parsed for error in statement_errors]
    return StatementFile(tuple(statement for statement, _ in parsed)), errors


def _split(data: bytes) -> list[tuple[int, str]]:
    """Return the numbered lines of the file, checking encoding and length."""
    if not isinstance(data, bytes | bytearray):
        raise CodaError(
            "coda.empty", gettext_noop("The file is empty: it contains no CODA records.")
        )
    try:
        text = bytes(data).decode("cp1252")
    except UnicodeDecodeError as exc:
        raise CodaError(
            "coda.encoding",
            gettext_noop(
                "Line %(line)s contains a byte that is not valid text (position %(position)s); "
                "this is not a CODA file, or it was damaged on the way."
            ),
            line=bytes(data)[: exc.start].count(b"\n") + 1,
            record="?",
            position=exc.start + 1,
        ) from None
    raw = text.split("\n")
    if raw and raw[-1] == "":
        raw.pop()  # the usual final line ending
    if not raw:
        raise CodaError(
            "coda.empty", gettext_noop("The file is empty: it contains no CODA records.")
        )
    lines = []
    for number, line in enumerate(raw, start=1):
        line = line[:-1] if line.endswith("\r") else line
        if len(line) != RECORD_LENGTH:
            _check_utf8(number, line)
            raise CodaError(
                "coda.line_length",
                gettext_noop(
                    "Line %(line)s (record %(record)s) has %(length)s characters; a CODA line "
                    "has 128. The file was probably cut or edited; ask the bank for it again."
                ),
                line=number,
                record=record_name(line) or "?",
                length=len(line),
            )
        lines.append((number, line))
    return lines


def _check_utf8(number: int, line: str) -> None:
    """Refuse a line that is 128 characters long once read as UTF-8 instead of cp1252."""
    try:
        as_utf8 = line.encode("cp1252").decode("utf-8")
    except UnicodeError:
        return
    if len(as_utf8) == RECORD_LENGTH:
        raise CodaError(
            "coda.encoding_utf8",
            gettext_noop(
                "Line %(line)s (record %(record)s) is written in UTF-8; CODA files are "
                "Windows-1252 (cp1252). The file was converted after the bank sent it; import "
                "the original file."
            ),
            line=number,
            record=record_name(as_utf8),
        )


def _group(lines: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """Split the lines into statements, each from its record 0 to its record 9."""
    groups: list[list[tuple[int, str]]] = []
    for number, text in lines:
        if text[0] == "0":
            _check_version(FieldReader(number, text))
            if groups and groups[-1][-1][1][0] != "9":
                _raise_missing_trailer(number, record_name(text))
            groups.append([])
        elif not groups:
            raise CodaError(
                "coda.header_missing",
                gettext_noop(
                    "Line %(line)s (record %(record)s) comes before any header record 0; a CODA "
                    "file starts with a record 0. This is not a complete CODA file."
                ),
                line=number,
                record=record_name(text),
            )
        elif groups[-1][-1][1][0] == "9":
            raise CodaError(
                "coda.after_trailer",
                gettext_noop(
                    "Line %(line)s (record %(record)s) follows the trailer record 9; only a new "
                    "header record 0 may follow it."
                ),
                line=number,
                record=record_name(text),
            )
        groups[-1].append((number, text))
    if groups[-1][-1][1][0] != "9":
        _raise_missing_trailer(lines[-1][0], record_name(lines[-1][1]))
    return groups


def _check_version(field: FieldReader) -> None:
    version = field.text[127]
    if version != SUPPORTED_VERSION:
        raise field.error(
            "coda.version",
            gettext_noop(
                "Line %(line)s (record %(record)s) announces CODA version %(version)s; only "
                "version 2 is supported. Ask the bank to send CODA 2.6 files."
            ),
            version=version,
        )


def _raise_missing_trailer(line: int, record: str) -> None:
    raise CodaError(
        "coda.trailer_missing",
        gettext_noop(
            "The statement ending at line %(line)s (record %(record)s) has no trailer record 9: "
            "the file is incomplete. Ask the bank to send it again."
        ),
        line=line,
        record=record,
    )
