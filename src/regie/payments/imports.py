"""Import bank files and match their movements to open items (DOMAIN §6).

Importing is idempotent twice over: a file already imported (same SHA-256) creates nothing, and
each movement has a key (account, statement, sequence, dates, amount, bank reference) unique per
organisation, so an overlapping file only adds the movements not seen yet. Received amounts are
matched by structured communication; the ones that cannot be are rejected with the cause,
booked on the suspense account, and wait for a correction by hand.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from regie.billing.models import Invoice, Kind
from regie.billing.selectors import with_balance
from regie.core.errors import DomainError, gettext_noop
from regie.ledger.rules import suspense_entry, suspense_to_person_entry
from regie.ledger.services import entries_post
from regie.payments import matching
from regie.payments.models import (
    BankMovement,
    BankStatement,
    Mode,
    MovementStatus,
    Payment,
    PrepaymentReference,
    StatementFile,
)
from regie.payments.parsers.statement import Movement, Statement
from regie.payments.services import payment_create
from regie.payments.statement_check import FORMATS, check_data
from regie.people.models import Person

Progress = Callable[[int], None]


@dataclass
class ImportResult:
    file: StatementFile | None = None
    already_imported: bool = False
    new: int = 0
    known: int = 0
    accepted: int = 0
    rejected: int = 0
    accepted_cents: int = 0
    rejected_cents: int = 0
    gaps: list[str] = field(default_factory=list)


def movement_key(statement: Statement, movement: Movement) -> str:
    """Return the identity of a movement across files (hex SHA-256)."""
    parts = (
        statement.account,
        str(statement.sequence_number),
        str(movement.sequence),
        str(movement.entry_date or ""),
        str(movement.value_date or ""),
        str(movement.amount_cents),
        movement.bank_reference,
        movement.structured_reference,
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def statements_import(
    *, data: bytes, name: str, user=None, progress: Progress | None = None
) -> ImportResult:
    """Import a CODA or camt.053 file and match its new movements."""
    checked = check_data(data, name)
    if checked.errors:
        raise checked.errors[0]
    digest = hashlib.sha256(data).hexdigest()
    if StatementFile.objects.filter(sha256=digest).exists():
        return ImportResult(StatementFile.objects.get(sha256=digest), already_imported=True)
    parsed = FORMATS[checked.format](data)[0]
    try:
        with transaction.atomic():
            return _import(parsed, checked.format, digest, name, user, progress)
    except IntegrityError:  # the same file or movements imported concurrently
        raise DomainError(
            "statements.concurrent_import",
            gettext_noop("This file is being imported by someone else; look at the result."),
        ) from None


def _import(parsed, kind, digest, name, user, progress) -> ImportResult:
    result = ImportResult()
    result.file = StatementFile.objects.create(
        name=name[:200], sha256=digest, format=kind, imported_by=user
    )
    targets = Targets()
    for statement in parsed.statements:
        record = _statement(result, statement)
        for movement in statement.movements:
            key = movement_key(statement, movement)
            if BankMovement.objects.filter(key=key).exists():
                result.known += 1
                continue
            stored = BankMovement.objects.create(
                statement=record,
                key=key,
                sequence=movement.sequence,
                entry_date=movement.entry_date,
                value_date=movement.value_date,
                amount_cents=movement.amount_cents,
                reference=movement.structured_reference,
                communication=movement.communication[:300],
                counterparty_name=movement.counterparty_name[:200],
                counterparty_account=movement.counterparty_account[:34],
            )
            result.new += 1
            _match(stored, targets, result, user)
            if progress:
                progress(1)
    StatementFile.objects.filter(pk=result.file.pk).update(
        movements_new=result.new, movements_known=result.known
    )
    return result


def _statement(result: ImportResult, statement: Statement) -> BankStatement:
    previous = (
        BankStatement.objects.filter(account=statement.account)
        .order_by("-new_balance_date", "-number", "-pk")
        .first()
    )
    gap = previous is not None and previous.new_balance_cents != statement.old_balance_cents
    if gap:
        result.gaps.append(f"{statement.account} #{statement.sequence_number}")
    return BankStatement.objects.create(
        file=result.file,
        account=statement.account,
        number=statement.sequence_number,
        old_balance_cents=statement.old_balance_cents,
        old_balance_date=statement.old_balance_date,
        new_balance_cents=statement.new_balance_cents,
        new_balance_date=statement.new_balance_date,
        gap=gap,
    )


class Targets(dict):
    """Structured communications → what they designate, loaded on demand and kept current."""

    def __missing__(self, reference: str) -> matching.Target | None:
        invoice = (
            with_balance(
                Invoice.objects.filter(
                    communication=reference, kind=Kind.INVOICE, posted_at__isnull=False
                )
            )
            .values_list("pk", "person_id", "open_cents")
            .first()
        )
        if invoice:
            target = matching.Target("invoice", invoice[0], invoice[1], invoice[2])
        else:
            person = (
                PrepaymentReference.objects.filter(reference=reference)
                .values_list("person_id", flat=True)
                .first()
            )
            target = matching.Target("prepayment", 0, person, 0) if person else None
        self[reference] = target
        return target

    def get(self, reference, default=None):
        found = self[reference]
        return default if found is None else found


def _match(stored: BankMovement, targets: Targets, result: ImportResult, user) -> None:
    decision = matching.decide(stored.amount_cents, stored.reference, targets)
    if decision.outcome == matching.Outcome.REJECTED:
        stored.status = MovementStatus.IGNORED if stored.amount_cents <= 0 else stored.status
        stored.reject_code = decision.error.code
        stored.reject_reason = decision.error.english()[:300]
        stored.save(update_fields=["status", "reject_code", "reject_reason"])
        if stored.amount_cents > 0:
            result.rejected += 1
            result.rejected_cents += stored.amount_cents
            entries_post(
                [
                    suspense_entry(
                        document=f"MVT{stored.pk}", day=_day(stored), amount=stored.amount_cents
                    )
                ]
            )
        return
    target = decision.target
    split = {target.id: decision.allocated_cents} if target.kind == "invoice" else {}
    payment_create(
        person=Person.objects.get(pk=target.person_id),
        day=_day(stored),
        amount_cents=stored.amount_cents,
        mode=Mode.TRANSFER,
        split=split,
        reconciled_on=stored.entry_date,
        comment=stored.communication[:300],
        user=user,
        movement=stored,
    )
    stored.status = MovementStatus.ACCEPTED
    stored.save(update_fields=["status"])
    if target.kind == "invoice":
        targets[stored.reference] = target._replace(
            open_cents=target.open_cents - decision.allocated_cents
        )
    result.accepted += 1
    result.accepted_cents += stored.amount_cents


def _day(movement: BankMovement):
    return movement.value_date or movement.entry_date


@transaction.atomic
def movement_correct(
    *, movement: BankMovement, person: Person, split: dict[int, int] | None = None, user=None
) -> Payment:
    """Allocate a rejected movement by hand: to a person, split over their open items."""
    movement = BankMovement.objects.select_for_update().get(pk=movement.pk)
    if movement.status != MovementStatus.REJECTED or movement.amount_cents <= 0:
        raise DomainError(
            "statements.not_rejected",
            gettext_noop("Only a rejected received movement can be allocated by hand."),
        )
    if Payment.objects.filter(movement=movement).exists():
        raise DomainError(
            "statements.already_allocated",
            gettext_noop("This movement is already allocated."),
        )
    entries_post(
        [
            suspense_to_person_entry(
                document=f"MVT{movement.pk}",
                day=_day(movement),
                person_id=person.pk,
                amount=movement.amount_cents,
            )
        ]
    )
    payment = payment_create(
        person=person,
        day=_day(movement),
        amount_cents=movement.amount_cents,
        mode=Mode.TRANSFER,
        split=split,
        reconciled_on=movement.entry_date,
        comment=movement.communication[:300],
        user=user,
        movement=movement,
        via_suspense=True,
    )
    movement.status = MovementStatus.CORRECTED
    movement.save(update_fields=["status"])
    return payment
