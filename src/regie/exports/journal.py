"""The ledger's entries of a period, for the accountant: a CSV line per entry line.

Same conventions as the accounting CSV (UTF-8, semicolons, ISO dates, decimal point). Each
line carries its entry's hash and the previous one, so the accountant can check the chain;
the export also records the head of the organisation's chain when it was made.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from regie.exports.csvfile import euros
from regie.ledger.models import Entry, EntryLine
from regie.ledger.services import account_name

COLUMNS = [
    "sequence",
    "journal",
    "date",
    "document",
    "label",
    "account",
    "account_name",
    "debit",
    "credit",
    "debtor",
    "line_label",
    "entry_hash",
    "previous_hash",
]


def chain_head() -> tuple[int, str]:
    """Return the sequence and hash of the organisation's last ledger entry (0, '' if none)."""
    last = Entry.objects.order_by("-sequence").values_list("sequence", "hash").first()
    return last or (0, "")


def write(date_from: date, date_to: date) -> tuple[bytes, int]:
    """Return the journal CSV of the entries dated in the range, and how many entries."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    lines = (
        EntryLine.objects.filter(entry__date__gte=date_from, entry__date__lte=date_to)
        .select_related("entry", "account")
        .order_by("entry__sequence", "pk")
    )
    names: dict[int, str] = {}
    entries = set()
    for line in lines.iterator(chunk_size=5000):
        entry = line.entry
        entries.add(entry.pk)
        if line.account_id not in names:
            names[line.account_id] = str(account_name(line.account))
        writer.writerow(
            [
                entry.sequence,
                entry.journal,
                entry.date.isoformat(),
                entry.document,
                entry.label,
                line.account.code,
                names[line.account_id],
                euros(line.debit),
                euros(line.credit),
                f"P{line.person_id}" if line.person_id else "",
                line.label,
                entry.hash,
                entry.previous_hash,
            ]
        )
    return buffer.getvalue().encode("utf-8"), len(entries)
