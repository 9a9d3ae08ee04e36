"""The organisation's bank accounts: a statement of any other account is refused (issue 13, 4).

An organisation may hold several accounts (:class:`~regie.payments.models.BankAccount`,
listed in the configuration); its own IBAN is listed when the organisation is saved. A
statement names its account as an IBAN or, in older CODA files, as a Belgian 12-digit
number, which designates the Belgian IBAN ending with it.
"""

from __future__ import annotations

from collections.abc import Iterable

from regie.core.errors import DomainError, gettext_noop
from regie.core.tenancy import current_organisation, scope


def compact(account: str) -> str:
    """Return an account number without spaces, dashes or dots, in capitals.

    >>> compact("BE68 5390-0754.7034")
    'BE68539007547034'
    """
    return "".join(ch for ch in account if ch.isalnum()).upper()


def is_listed(account: str, ibans: Iterable[str]) -> bool:
    """Return whether a statement's ``account`` is one of ``ibans``.

    >>> is_listed("BE68539007547034", ["BE68539007547034"])
    True
    >>> is_listed("539007547034", ["BE68539007547034"]), is_listed("BE71096123456769", [])
    (True, False)
    """
    wanted = compact(account)
    listed = {compact(iban) for iban in ibans}
    if wanted in listed:
        return True
    return (
        len(wanted) == 12
        and wanted.isdigit()
        and any(iban.startswith("BE") and iban[4:] == wanted for iban in listed)
    )


def organisation_ibans() -> list[str]:
    """Return the active organisation's active bank accounts."""
    from regie.payments.models import BankAccount

    return list(BankAccount.objects.filter(is_active=True).values_list("iban", flat=True))


def foreign_statements(accounts: Iterable[tuple[str, int]]) -> list[DomainError]:
    """Return a refusal for each statement (account, number) whose account is not one of the
    active organisation's bank accounts."""
    ibans = organisation_ibans()
    organisation = current_organisation()
    return [
        DomainError(
            "statements.foreign_account",
            gettext_noop(
                "Statement %(number)s is of the account %(account)s, which is not one of the "
                "bank accounts of %(organisation)s. Import the statements of your own accounts "
                "only, or add this account in the configuration (Bank accounts)."
            ),
            number=number,
            account=account,
            organisation=organisation.name,
        )
        for account, number in accounts
        if not is_listed(account, ibans)
    ]


def organisation_iban_list(organisation) -> None:
    """List the organisation's own IBAN among its bank accounts (once; never reactivated)."""
    from regie.payments.models import BankAccount

    if not organisation.iban:
        return
    with scope(organisation):
        iban = compact(organisation.iban)
        if not BankAccount.objects.filter(iban=iban).exists():
            BankAccount.objects.create(iban=iban)


def file_refusals(checked) -> list[DomainError]:
    """Return why a checked file (:class:`~regie.payments.statement_check.FileCheck`) cannot
    be imported by the active organisation: the parser's reasons, else its foreign accounts."""
    if checked.errors:
        return list(checked.errors)
    return foreign_statements((s.account, s.sequence_number) for s in checked.statements)
