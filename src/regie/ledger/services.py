"""The only writer of ledger entries, and the check of the hash chain.

:func:`entries_post` writes drafts from :mod:`regie.ledger.rules` in bulk: it locks the
organisation's chain (a row of :class:`~regie.core.models.Sequence`), numbers the entries,
chains their hashes and writes entries and lines as plain rows (``COPY`` on PostgreSQL,
:mod:`regie.core.rows`): a billing run posts 13,000 entries and 65,000 lines at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from regie.activities.models import ActivityCategory
from regie.core.errors import gettext_noop
from regie.core.models import Sequence as Counter
from regie.core.rows import BLOCK, ids_reserve, rows_insert_few
from regie.core.sequences import sequence_next
from regie.core.tenancy import current_organisation
from regie.ledger.models import Account, Entry, EntryLine
from regie.ledger.rules import AccountRole, EntryDraft, check_balanced, entry_digest

GENESIS = "0" * 64
CHAIN_KEY = "ledger"

# Default chart of a Belgian local authority (simplified): base code per role; receivable and
# revenue accounts get one sub-account per activity category. The names are stored in English and
# shown in the reader's language for as long as nobody renames the account (account_name).
DEFAULT_CODES = {
    AccountRole.RECEIVABLE: ("4000", gettext_noop("Receivables")),
    AccountRole.REVENUE: ("7000", gettext_noop("Revenue")),
    AccountRole.WRITE_OFF: ("6340", gettext_noop("Write-offs (non-valeurs)")),
    AccountRole.BANK: ("5500", gettext_noop("Bank")),
    AccountRole.CASH: ("5700", gettext_noop("Cash")),
    AccountRole.PERSON_CREDIT: ("4610", gettext_noop("Credits of persons")),
    AccountRole.SUSPENSE: ("4990", gettext_noop("Movements to allocate")),
    AccountRole.FEE_RECEIVABLE: ("4001", gettext_noop("Reminder fees receivable")),
    AccountRole.FEE_REVENUE: ("7001", gettext_noop("Reminder fees")),
    AccountRole.INTERNAL_TRANSFER: ("5800", gettext_noop("Internal transfers")),
    AccountRole.BANK_CHARGES: ("6570", gettext_noop("Bank charges")),
    AccountRole.SET_ASIDE: ("4991", gettext_noop("Movements set aside")),
    AccountRole.CLEARING: ("5810", gettext_noop("Online payments in transit")),
    AccountRole.PROVIDER_FEES: ("6571", gettext_noop("Payment provider fees")),
}
PER_CATEGORY = (AccountRole.RECEIVABLE, AccountRole.REVENUE)


def account_name(account: Account) -> str:
    """Return an account's name, in the reader's language while it is the default chart's.

    "Receivables — Accueil" reads "Créances — Accueil" in French; a name the organisation
    wrote itself is shown as it is.
    """
    try:
        default = DEFAULT_CODES[AccountRole(account.role)][1]
    except ValueError:
        return account.name
    if not account.name.startswith(default):
        return account.name
    rest = account.name[len(default) :]
    if rest and not rest.startswith(" — "):
        return account.name
    return gettext(default) + rest


class Chart:
    """Find (or create from the default chart) the account of a role and category."""

    def __init__(self, accounts: Iterable[tuple[str, int | None, int]] | None = None) -> None:
        """``accounts``: the organisation's (role, category, pk) by code, when read already."""
        if accounts is None:
            accounts = Account.objects.values_list("role", "category_id", "pk")
        self._accounts = {(role, category): pk for role, category, pk in accounts}
        self._categories: dict[int, str] | None = None  # read when an account is created

    def account_id(self, role: AccountRole, category_id: int | None) -> int:
        key = (role.value, category_id if role in PER_CATEGORY else None)
        if key not in self._accounts:
            self._accounts[key] = self._create(role, key[1]).pk
        return self._accounts[key]

    def _create(self, role: AccountRole, category_id: int | None) -> Account:
        base, name = DEFAULT_CODES[role]
        code = base if category_id is None else f"{base}{category_id:02d}"
        if category_id is not None:
            if self._categories is None:
                self._categories = dict(ActivityCategory.objects.values_list("pk", "name"))
            name = f"{name} — {self._categories.get(category_id, category_id)}"
        account, _ = Account.objects.get_or_create(
            code=code, defaults={"name": name, "role": role.value, "category_id": category_id}
        )
        return account


def _line_payload(account_id, debit, credit, person_id, category_id, day, label) -> dict:
    return {
        "account": account_id,
        "debit": debit,
        "credit": credit,
        "person": person_id,
        "category": category_id,
        "date": day.isoformat(),
        "label": label,
    }


def _header(journal, sequence, day, label, document) -> dict:
    return {
        "journal": str(journal),
        "sequence": sequence,
        "date": day.isoformat(),
        "label": label,
        "document": document,
    }


#: The drafts of the innermost :func:`entries_together` block (None: none is open).
_together: ContextVar[list[EntryDraft] | None] = ContextVar("entries_together", default=None)


@contextmanager
def entries_together() -> Iterator[None]:
    """Post what :func:`entries_post` is given inside the block at its end, in one posting.

    One posting locks the chain, reads the chart and inserts once: an online payment writes
    its payment's entry, then the service file's, in two steps of two apps. The entries keep
    their order; nothing is posted when the block raises. Inside the block,
    :func:`entries_post` returns no entries (they are not written yet). Nested blocks post
    with the outermost.
    """
    if _together.get() is not None:
        yield
        return
    drafts: list[EntryDraft] = []
    token = _together.set(drafts)
    try:
        yield
    finally:
        _together.reset(token)
    entries_post(drafts)


def entries_post(drafts: Sequence[EntryDraft]) -> list[Entry]:
    """Write balanced entries, chained after the organisation's last entry."""
    if not drafts:
        return []
    for draft in drafts:
        check_balanced(draft.lines, draft.document)
    if (together := _together.get()) is not None:
        together.extend(drafts)
        return []
    return _post(drafts)


@transaction.atomic(savepoint=False)
def _post(drafts: Sequence[EntryDraft]) -> list[Entry]:
    # No savepoint inside the caller's transaction (two round trips a posting): a posting
    # that fails marks that whole transaction for rollback, so no part of it is ever kept.
    org = current_organisation()
    first = sequence_next(CHAIN_KEY, len(drafts))  # locks the chain until commit
    previous, chart, ids = _chain_read(org.pk, first, len(drafts))
    entries, lines_of = [], []
    for offset, draft in enumerate(drafts):
        sequence = first + offset
        payloads = [
            _line_payload(
                chart.account_id(line.role, line.category_id),
                line.debit,
                line.credit,
                line.person_id,
                line.category_id,
                draft.day,
                line.label,
            )
            for line in draft.lines
        ]
        header = _header(draft.journal, sequence, draft.day, draft.label, draft.document)
        digest = entry_digest(previous, header, payloads)
        entries.append(
            Entry(
                pk=ids[offset],
                organisation=org,
                journal=str(draft.journal),
                sequence=sequence,
                date=draft.day,
                label=draft.label,
                document=draft.document,
                previous_hash=previous,
                hash=digest,
            )
        )
        lines_of.append(payloads)
        previous = digest
    _insert(entries, lines_of)
    return entries


#: The previous entry's hash, the chart and new entries' ids in one statement (PostgreSQL).
_CHAIN_READ = """
(SELECT 0 AS part, e."hash" AS value, NULL::bigint AS category, NULL::bigint AS pk, '' AS code
 FROM "ledger_entry" e WHERE e."organisation_id" = %(org)s AND e."sequence" < %(first)s
 ORDER BY e."sequence" DESC LIMIT 1)
UNION ALL
(SELECT 1, a."role", a."category_id", a."id", a."code"
 FROM "ledger_account" a WHERE a."organisation_id" = %(org)s)
UNION ALL
(SELECT 2, NULL, NULL, nextval(pg_get_serial_sequence('ledger_entry', 'id')), ''
 FROM generate_series(1, %(count)s))
ORDER BY part, code, pk
"""


def _chain_read(org_id: int, first: int, count: int) -> tuple[str, Chart, list[int]]:
    """Return the hash the entry numbered ``first`` follows, the chart, and ``count`` new
    entry ids. Read after the chain's lock (a statement of its own: it sees what the posting
    that held the lock before committed). One round trip on PostgreSQL instead of three, and
    no query for Django to build: every online payment posts once."""
    if connection.vendor != "postgresql" or count >= BLOCK:
        before = Entry.objects.filter(sequence__lt=first).order_by("-sequence")
        previous = before.values_list("hash", flat=True).first() or GENESIS
        return previous, Chart(), ids_reserve(Entry, count)
    with connection.cursor() as cursor:
        cursor.execute(_CHAIN_READ, {"org": org_id, "first": first, "count": count})
        rows = cursor.fetchall()
    previous = next((value for part, value, *_ in rows if part == 0), None) or GENESIS
    accounts = [(role, category, pk) for part, role, category, pk, _ in rows if part == 1]
    return previous, Chart(accounts), [pk for part, *_, pk, _ in rows if part == 2]


def _insert(entries: list[Entry], lines_of: list[list[dict]]) -> None:
    """Insert the entries and their lines as rows (tens of thousands for a billing run)."""
    now = timezone.now()
    for entry in entries:
        entry.created_at, entry._state.adding = now, False
    entry_rows = [
        (e.pk, e.organisation_id, e.journal, e.sequence, e.date, e.label, e.document)
        + (e.previous_hash, e.hash, now)
        for e in entries
    ]
    line_rows = [
        (entry.organisation_id, entry.pk, p["account"], p["debit"], p["credit"])
        + (p["person"], p["category"], entry.date, p["label"])
        for entry, payloads in zip(entries, lines_of, strict=True)
        for p in payloads
    ]
    entry_names = ("id", "organisation", "journal", "sequence", "date", "label", "document")
    entry_names += ("previous_hash", "hash", "created_at")
    line_names = ("organisation", "entry", "account", "debit", "credit", "person", "category")
    line_names += ("date", "label")
    # A payment's few entries in one statement (a COPY per table costs two round trips each);
    # a billing run's thousands by COPY.
    rows_insert_few((Entry, entry_names, entry_rows), (EntryLine, line_names, line_rows))


@dataclass(frozen=True)
class BrokenLink:
    """The first entry whose stored hash or link does not match its content."""

    sequence: int
    document: str
    reason: str


def chain_verify(batch: int = 2000) -> BrokenLink | None:
    """Recompute the active organisation's hash chain; return the first broken link, if any."""
    previous = GENESIS
    expected_sequence = 1
    entries = Entry.objects.order_by("sequence").values_list(
        "pk", "journal", "sequence", "date", "label", "document", "previous_hash", "hash"
    )
    chunk: list[tuple] = []
    for row in entries.iterator(chunk_size=batch):
        chunk.append(row)
        if len(chunk) == batch:
            broken, previous, expected_sequence = _verify_chunk(chunk, previous, expected_sequence)
            if broken:
                return broken
            chunk = []
    if chunk:
        broken, previous, expected_sequence = _verify_chunk(chunk, previous, expected_sequence)
        if broken:
            return broken
    return _missing_tail(expected_sequence)


def _missing_tail(expected: int) -> BrokenLink | None:
    """Find the last entries deleted: the chain's counter says how many were posted."""
    posted = Counter.objects.filter(key=CHAIN_KEY).values_list("last", flat=True).first() or 0
    if posted < expected:
        return None
    return BrokenLink(expected, "", f"entries {expected} to {posted} are missing")


def _verify_chunk(chunk: Iterable[tuple], previous: str, expected: int):
    chunk = list(chunk)
    lines = defaultdict(list)
    rows = (
        EntryLine.objects.filter(entry_id__in=[row[0] for row in chunk])
        .order_by("entry_id", "pk")
        .values_list(
            "entry_id", "account_id", "debit", "credit", "person_id", "category_id", "date", "label"
        )
    )
    for entry_id, *values in rows:
        lines[entry_id].append(_line_payload(*values))
    for pk, journal, sequence, day, label, document, previous_hash, stored in chunk:
        if sequence != expected:
            return BrokenLink(sequence, document, f"sequence {expected} is missing"), previous, 0
        if previous_hash != previous:
            return BrokenLink(sequence, document, "link to the previous entry broken"), previous, 0
        header = _header(journal, sequence, day, label, document)
        if entry_digest(previous, header, lines[pk]) != stored:
            return BrokenLink(sequence, document, "content changed after posting"), previous, 0
        debit = sum(line["debit"] for line in lines[pk])
        if debit != sum(line["credit"] for line in lines[pk]):
            return BrokenLink(sequence, document, "entry does not balance"), previous, 0
        previous, expected = stored, expected + 1
    return None, previous, expected
