"""What an accounting export holds, given what earlier exports held (DOMAIN §9).

Pure rules over plain values. A :class:`Source` is a document of Regie as the accounting
software should hold it now (an invoice less what was written off, a credit note, a reminder's
fee); an :class:`Exported` is what earlier exports carried for it (the net amount and the
fingerprint of the last version sent). Amounts are signed cents: an invoice counts positive,
a credit note negative.

Each document travels exactly once. A document exported and changed since (written off, a
reminder's fee cancelled, a service file amended) travels again as a reversal (a credit note
for the whole amount exported) and, when something is still due, a reissue (a new invoice for
the current amount), in the next export whatever its range. Crediting and reissuing an
invoice in Regie makes new documents (the credit note, the new invoice), which travel as
originals: the invoice itself did not change.

Worked example 14: an invoice of 50.00 exported on 2026-04-02, credited and reissued at 45.00
on 2026-04-20; the export of 2026-05-02 holds the credit note of 50.00 and the invoice of 45.00:

>>> from datetime import date
>>> a = Source("invoice:1", INVOICE, "FACT/2026/00001", date(2026, 3, 31), 5000, "v1")
>>> first = plan([a], {}, date(2026, 3, 1), date(2026, 4, 2))
>>> [(item.key, item.action, item.amount_cents) for item in first]
[('invoice:1', 'original', 5000)]
>>> credit = Source("invoice:2", CREDIT_NOTE, "NC/2026/00001", date(2026, 4, 20), 5000, "v1")
>>> b = Source("invoice:3", INVOICE, "FACT/2026/00002", date(2026, 4, 20), 4500, "v1")
>>> second = plan([a, credit, b], exported_after([], first), date(2026, 4, 3), date(2026, 5, 2))
>>> [(item.number, item.action, item.amount_cents) for item in second]
[('NC/2026/00001', 'original', -5000), ('FACT/2026/00002', 'original', 4500)]
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from regie.core.errors import DomainError, gettext_noop

INVOICE, CREDIT_NOTE, REMINDER_FEE, SERVICE_FEE, PAYMENT = (
    "invoice",
    "credit_note",
    "reminder_fee",
    "service_fee",
    "payment",
)
KINDS = (INVOICE, CREDIT_NOTE, REMINDER_FEE, SERVICE_FEE, PAYMENT)
NEGATIVE_KINDS = frozenset({CREDIT_NOTE, PAYMENT})
ORIGINAL, REVERSAL, REISSUE = "original", "reversal", "reissue"
MAX_MONTHS = 3


@dataclass(frozen=True)
class Source:
    """A document as the accounting should hold it now.

    ``amount_cents`` is what is due on it now, never negative (a credit note's own total);
    ``fingerprint`` changes whenever what would be exported changes (amount or lines);
    ``changed`` is the date of its last change (its own date when it never changed);
    ``posted`` the day it was posted, when later than its date (a run posted after its
    invoice date): never exported, it travels in the export whose range holds that day.
    """

    key: str
    kind: str
    number: str
    day: date
    amount_cents: int
    fingerprint: str
    changed: date | None = None
    posted: date | None = None

    @property
    def signed_cents(self) -> int:
        """Return the amount as the accounting counts it: negative for a credit note."""
        return -self.amount_cents if self.kind in NEGATIVE_KINDS else self.amount_cents


@dataclass(frozen=True)
class Exported:
    """What earlier exports carried for a document: net signed cents, last fingerprint, times."""

    amount_cents: int
    fingerprint: str
    times: int = 1


@dataclass(frozen=True)
class Item:
    """One document of an export: an original, or a reversal or reissue of a changed one."""

    key: str
    kind: str
    number: str
    action: str
    amount_cents: int  # signed: positive is an invoice, negative a credit note
    fingerprint: str
    version: int = 0  # 0 for an original; n for the n-th change exported

    @property
    def is_credit(self) -> bool:
        return self.amount_cents < 0


def months_later(day: date, months: int) -> date:
    """Return the same day ``months`` later, or the month's last day when it is shorter.

    >>> months_later(date(2026, 11, 30), 3)
    datetime.date(2027, 2, 28)
    """
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def range_check(date_from: date, date_to: date, today: date | None = None) -> None:
    """Refuse a range that ends before it starts, spans more than three months or, given
    ``today``, does not end before it: a day's documents travel once the day is over (a
    document posted later the same day would otherwise fall between two exports).

    >>> range_check(date(2026, 1, 1), date(2026, 3, 31))
    >>> range_check(date(2026, 1, 1), date(2026, 4, 2))
    Traceback (most recent call last):
    ...
    regie.core.errors.DomainError: An export covers at most 3 months: from 01/01/2026 \
the range must end by 31/03/2026.
    >>> range_check(date(2026, 12, 1), date(2026, 12, 6), today=date(2026, 12, 6))
    Traceback (most recent call last):
    ...
    regie.core.errors.DomainError: A day travels once it is over: the range must end by \
05/12/2026 (yesterday) at the latest.
    """
    if date_to < date_from:
        raise DomainError(
            "export.range_reversed",
            gettext_noop("The end of the range (%(to)s) comes before its start (%(from)s)."),
            **{"from": f"{date_from:%d/%m/%Y}", "to": f"{date_to:%d/%m/%Y}"},
        )
    last = months_later(date_from, MAX_MONTHS) - timedelta(days=1)
    if date_to > last:
        raise DomainError(
            "export.range_too_long",
            gettext_noop(
                "An export covers at most %(months)s months: from %(from)s the range must "
                "end by %(last)s."
            ),
            months=MAX_MONTHS,
            last=f"{last:%d/%m/%Y}",
            **{"from": f"{date_from:%d/%m/%Y}"},
        )
    if today is not None and date_to >= today:
        raise DomainError(
            "export.range_not_over",
            gettext_noop(
                "A day travels once it is over: the range must end by %(last)s (yesterday) "
                "at the latest."
            ),
            last=f"{today - timedelta(days=1):%d/%m/%Y}",
        )


def _is_due(source: Source, done: Exported | None, date_from: date, date_to: date) -> bool:
    changed = source.changed or source.day
    if done is not None:  # changed since: travels in the next export, whatever its range
        return done.fingerprint != source.fingerprint and changed <= date_to
    if source.amount_cents == 0:
        return False
    in_range = date_from <= source.day <= date_to
    late = max(changed, source.posted or changed)
    return in_range or (source.day < date_from <= late <= date_to)


def items_for(source: Source, done: Exported | None) -> list[Item]:
    """Return what an export carries for one document due in it.

    >>> s = Source("invoice:7", INVOICE, "FACT/2026/00007", date(2026, 4, 1), 4000, "b")
    >>> [(i.action, i.amount_cents, i.version) for i in items_for(s, Exported(5000, "a"))]
    [('reversal', -5000, 1), ('reissue', 4000, 1)]
    >>> [(i.action, i.amount_cents) for i in items_for(s, None)]
    [('original', 4000)]
    """
    common = {"key": source.key, "kind": source.kind, "number": source.number}
    if done is None:
        return [
            Item(
                **common,
                action=ORIGINAL,
                amount_cents=source.signed_cents,
                fingerprint=source.fingerprint,
            )
        ]
    version = done.times
    items = []
    if done.amount_cents:
        items.append(
            Item(
                **common,
                action=REVERSAL,
                amount_cents=-done.amount_cents,
                fingerprint=source.fingerprint,
                version=version,
            )
        )
    if source.signed_cents:
        items.append(
            Item(
                **common,
                action=REISSUE,
                amount_cents=source.signed_cents,
                fingerprint=source.fingerprint,
                version=version,
            )
        )
    return items


def plan(
    sources: Iterable[Source],
    exported: Mapping[str, Exported],
    date_from: date,
    date_to: date,
    kinds: Sequence[str] = KINDS,
) -> list[Item]:
    """Return the items of an export of ``kinds`` over a range, in the sources' order."""
    range_check(date_from, date_to)
    items: list[Item] = []
    for source in sources:
        if source.kind not in kinds:
            continue
        done = exported.get(source.key)
        if _is_due(source, done, date_from, date_to):
            items.extend(items_for(source, done))
    return items


def exported_after(previous: Iterable[Item], new: Iterable[Item]) -> dict[str, Exported]:
    """Return what has been exported per document once ``new`` follows ``previous``.

    >>> one = Item("fee:1", REMINDER_FEE, "R1", ORIGINAL, 500, "a")
    >>> two = Item("fee:1", REMINDER_FEE, "R1", REVERSAL, -500, "b", 1)
    >>> exported_after([one], [two])
    {'fee:1': Exported(amount_cents=0, fingerprint='b', times=2)}
    """
    state: dict[str, Exported] = {}
    exports: dict[str, set[int]] = {}
    for item in [*previous, *new]:
        done = state.get(item.key)
        net = (done.amount_cents if done else 0) + item.amount_cents
        exports.setdefault(item.key, set()).add(item.version)
        state[item.key] = Exported(net, item.fingerprint, len(exports[item.key]))
    return state
