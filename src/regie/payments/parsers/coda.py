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

Some transfer tools strip the blanks at the end of each line. A line shorter than 128 is read
padded with blanks when only blanks can be missing: it ends with a character that is not a
blank and reaches the last position its record requires (:data:`REQUIRED_LENGTH`: the last
digit or code the reader needs); the file is read with a warning naming those lines. A line
that is too long, ends with a blank or stops before its record's required positions is
refused (it was cut).

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
#: The last position each record needs (a digit or a code, never a blank): a line stripped of
#: its trailing blanks must still reach it. Records 0 carry the version at 128.
REQUIRED_LENGTH = {
    "0": 128,
    "1": 64,
    "2.1": 125,
    "2.2": 10,
    "2.3": 10,
    "3.1": 40,
    "3.2": 10,
    "3.3": 10,
    "4": 10,
    "8": 63,
    "9": 52,
}
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
        lines, padded = _split(data)
        groups = _group(lines)
        parsed = [StatementReader(group).read() for group in groups]
    except CodaError as error:
        return None, [error]
    errors = [error for _, statement_errors in parsed for error in statement_errors]
    warnings = (_padded_warning(padded),) if padded else ()
    return StatementFile(tuple(statement for statement, _ in parsed), warnings), errors


def _padded_warning(padded: list[int]) -> CodaError:
    shown = ", ".join(str(number) for number in padded[:10])
    return CodaError(
        "coda.trailing_blanks",
        gettext_noop(
            "Blanks at the end of lines had been removed on the way (line numbers: %(lines)s); "
            "they were read padded to 128 characters, nothing else was missing."
        ),
        lines=shown + (", …" if len(padded) > 10 else ""),
    )


def _split(data: bytes) -> tuple[list[tuple[int, str]], list[int]]:
    """Return the numbered lines of the file, checking encoding and length, and the numbers of
    the lines padded with the blanks a transfer had stripped."""
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
    lines, padded = [], []
    for number, line in enumerate(raw, start=1):
        line = line[:-1] if line.endswith("\r") else line
        if _stripped(line):
            line = line.ljust(RECORD_LENGTH)
            padded.append(number)
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
    return lines, padded


def _stripped(line: str) -> bool:
    """Return whether a short line lost only trailing blanks: it ends with something else
    than a blank and reaches the last position its record needs."""
    if not line or len(line) >= RECORD_LENGTH or line[-1] == " ":
        return False
    return len(line) >= REQUIRED_LENGTH.get(record_name(line), RECORD_LENGTH)


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
