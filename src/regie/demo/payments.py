"""The demo commune's bank: an early statement imported, and a bank file ready to import.

Families pay last month's invoices by transfer with the structured communication. The
builder writes two CODA 2.6 files of the commune's account (:func:`write_coda`):

- an earlier statement, paid by about one family in five in the first days, imported at once
  (so the payments screens are not empty);
- the next statement, left in ``var/demo/`` for a finance officer to import from the payments
  screen: most of the other invoices paid exactly, and the usual exceptions of a real
  statement: a few partial payments, a few payments of too much (the rest becomes the
  person's credit), a few structured communications nobody issued, and two transfers with a
  free-text message only. Both are rejected on import and wait for a correction by hand.

Everything derives from the seed, so the same demo writes the same file.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from regie.billing.models import Invoice, Kind
from regie.billing.numbering import communication
from regie.core.models import Organisation
from regie.demo.identifiers import belgian_iban
from regie.payments.imports import statements_import
from regie.payments.models import BankStatement, StatementFile
from regie.payments.parsers.coda_writer import write_coda
from regie.payments.parsers.statement import Movement, Statement, exact_cents

FILE_NAME = "coda-val-de-mehaigne.cod"
EARLY_SHARE = 0.2
#: Cumulative probabilities of what the ready file does with an invoice not paid early.
DRAWS = (("unpaid", 0.06), ("partial", 0.10), ("excess", 0.13), ("exact", 1.0))
UNKNOWN = 3  # payments naming a communication nobody issued
FREE_TEXT = 2  # payments with a message instead of the structured communication
OPENING_CENTS = 1_254_300
PER_STATEMENT = 1000  # a CODA movement number has four digits


@dataclass
class PaymentStats:
    """What the payments builder wrote and imported."""

    path: Path | None = None
    early_paid: int = 0
    movements: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    pays: list[str] = field(default_factory=list)  # communications the ready file pays


def bank_file_path() -> Path:
    """Return where the demo leaves its bank file ready to import."""
    return Path(settings.VAR_DIR) / "demo" / FILE_NAME


def bank_file_imported(organisation: Organisation, path: Path) -> bool:
    """Return whether the file at ``path`` was imported by ``organisation`` already."""
    import hashlib

    from regie.core.tenancy import scope

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with scope(organisation):
        return StatementFile.objects.filter(sha256=digest).exists()


def build_payments(
    org: Organisation, *, seed: int, today: dt.date, user=None, extra=()
) -> PaymentStats:
    """Import the early statement and write the ready one; return what they hold.

    ``extra`` are ``(cents, communication)`` transfers the ready file holds too (collection's
    reminder and plan payments)."""
    rng = random.Random(seed)
    invoices = list(
        Invoice.objects.filter(kind=Kind.INVOICE, posted_at__isnull=False, total_cents__gt=0)
        .filter(invoice_date__gte=today.replace(day=1))  # last month's, dated this month
        .select_related("person")
        .order_by("number")
    )
    stats = PaymentStats(path=bank_file_path())
    if not invoices:
        return stats
    early = {i.pk for i in invoices if rng.random() < EARLY_SHARE}
    first_day = invoices[0].invoice_date
    paid_early = [_paid(i, i.total_cents, rng) for i in invoices if i.pk in early]
    number, opening = _last_statement(org)
    early_day = first_day + (today - first_day) // 2
    statements, closing = _statements(org, paid_early, number, early_day, opening)
    statements_import(data=write_coda(statements), name="coda-debut-de-mois.cod", user=user)
    stats.early_paid = len(paid_early)
    later = _later_movements([i for i in invoices if i.pk not in early], rng, stats)
    later += [_movement(cents, reference, "", "VIREMENT", rng) for cents, reference in extra]
    day = max(today - dt.timedelta(days=1), first_day)
    ready, _ = _statements(org, later, number + len(statements), day, closing)
    stats.path.parent.mkdir(parents=True, exist_ok=True)
    stats.path.write_bytes(write_coda(ready))
    stats.movements = len(later)
    return stats


def _last_statement(org: Organisation) -> tuple[int, int]:
    """Return the number and opening balance of the account's next statement."""
    last = BankStatement.objects.filter(account=org.iban).order_by("-number", "-pk").first()
    return (last.number + 1, last.new_balance_cents) if last else (1, OPENING_CENTS)


def statement_import(org: Organisation, day: dt.date, paid, *, seed: int, user=None) -> None:
    """Import a statement of ``day`` with the ``(cents, communication)`` transfers ``paid``."""
    if not paid:
        return
    rng = random.Random(f"{seed}-{day}")
    movements = [_movement(cents, reference, "", "VIREMENT", rng) for cents, reference in paid]
    number, opening = _last_statement(org)
    statements, _ = _statements(org, movements, number, day, opening)
    statements_import(data=write_coda(statements), name=f"coda-{day:%Y%m%d}.cod", user=user)


def _later_movements(invoices: list[Invoice], rng: random.Random, stats: PaymentStats):
    movements = []
    for invoice in invoices:
        draw = rng.random()
        kind = next(name for name, limit in DRAWS if draw < limit)
        cents = invoice.total_cents
        if kind == "unpaid" and stats.by_kind.get("free_text", 0) < FREE_TEXT:
            kind = "free_text"  # paid, but with a message instead of the communication
            text = f"garderie {invoice.person.last_name} {invoice.invoice_date:%m/%Y}"
            movements.append(_movement(cents, "", text, _name(invoice), rng))
        elif kind == "partial" and cents >= 200:
            movements.append(_paid(invoice, cents // 200 * 100, rng))  # a round half
        elif kind == "excess":
            movements.append(_paid(invoice, cents + rng.choice((500, 1000, 2000)), rng))
        elif kind != "unpaid":
            kind = "exact"
            movements.append(_paid(invoice, cents, rng))
        stats.by_kind[kind] = stats.by_kind.get(kind, 0) + 1
        if kind in ("partial", "excess", "exact"):
            stats.pays.append(invoice.communication)
    for n in range(UNKNOWN):
        unknown = communication("101", 9_000_000 + rng.randrange(999_999))
        cents = rng.randrange(500, 6000, 10)
        movements.append(_movement(cents, unknown, "", f"PARENT INCONNU {n + 1}", rng))
    stats.by_kind["unknown"] = UNKNOWN
    rng.shuffle(movements)
    return movements


def _paid(invoice: Invoice, cents: int, rng: random.Random) -> Movement:
    return _movement(cents, invoice.communication, "", _name(invoice), rng, invoice.person.iban)


def _name(invoice: Invoice) -> str:
    person = invoice.person
    return f"{person.last_name} {person.first_name}".upper()[:35]


def _movement(cents, reference, text, name, rng, account="") -> Movement:
    return Movement(
        sequence=0,  # numbered by _statements
        amount=Decimal(cents).scaleb(-2),
        structured_reference=reference,
        communication=text,
        counterparty_name=name,
        counterparty_account=account or belgian_iban(rng.randrange(10**7), "001"),
    )


def _statements(org, movements, first_number: int, day: dt.date, opening_cents=OPENING_CENTS):
    """Return the statements of ``movements`` (at most PER_STATEMENT each) and the closing."""
    statements = []
    for offset in range(0, max(len(movements), 1), PER_STATEMENT):
        chunk = [
            replace(m, sequence=n, value_date=day, entry_date=day)
            for n, m in enumerate(movements[offset : offset + PER_STATEMENT], start=1)
        ]
        old = Decimal(opening_cents).scaleb(-2)
        opening_cents += sum(exact_cents(m.amount) for m in chunk)
        statements.append(
            Statement(
                account=org.iban,
                currency="EUR",
                old_balance=old,
                new_balance=Decimal(opening_cents).scaleb(-2),
                old_balance_date=day,
                new_balance_date=day,
                sequence_number=first_number + len(statements),
                holder_name=org.name[:26],
                creation_date=day,
                bank_bic=org.bic,
                movements=tuple(chunk),
            )
        )
    return statements, opening_cents
