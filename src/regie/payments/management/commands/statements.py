"""``regie statements``: bank statement files (CODA, camt.053) from the command line.

``regie statements check FILE...`` prints, for each file, every statement's account, old and
new balance with their dates, number of movements, total debit and total credit, or the
reasons the file is refused; it exits with status 1 when any file is refused. ``--json``
prints the same for scripts. Amounts are written the Belgian way (1 234,56 €) and dates
dd/mm/yyyy; labels and refusal reasons are in the language chosen with ``--language``.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from stdnum import iban

from regie.core.models import Organisation
from regie.core.money import format_cents
from regie.core.tenancy import scope
from regie.payments.accounts import file_refusals
from regie.payments.statement_check import FileCheck, StatementFigures, check_file

FORMAT_NAMES = {"coda": "CODA", "camt053": "camt.053"}
IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{8,30}")
BELGIAN_ACCOUNT = re.compile(r"\d{12}")


def format_amount(cents: int, currency: str) -> str:
    """Return an amount the Belgian way, thousands apart: 1 234,56 € (or 1 234,56 USD)."""
    text = format_cents(cents, symbol=False).replace(".", " ")
    symbol = "€" if currency == "EUR" else currency
    return f"{text} {symbol}".rstrip()


def format_date(value: date | None) -> str:
    """Return a date as dd/mm/yyyy, or "" when the bank gave none."""
    return value.strftime("%d/%m/%Y") if value else ""


def format_account(account: str) -> str:
    """Return an IBAN in groups of four, an old Belgian number as 123-4567890-12."""
    compact = iban.compact(account)
    if IBAN_SHAPE.fullmatch(compact):
        return iban.format(compact)
    if BELGIAN_ACCOUNT.fullmatch(compact):
        return f"{compact[:3]}-{compact[3:10]}-{compact[10:]}"
    return account


class Command(BaseCommand):
    help = "Work with bank statement files (CODA, camt.053): check them before importing."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        check = actions.add_parser(
            "check",
            help="List the statements of bank files, or why they are refused.",
            description=(
                "For each CODA or camt.053 file (recognised from its content), print every "
                "statement's account, balances, number of movements and totals, or the reasons "
                "the file is refused. The exit status is 1 when any file is refused."
            ),
        )
        check.add_argument("files", nargs="+", metavar="FILE", help="A CODA or camt.053 file.")
        check.add_argument(
            "--json", action="store_true", dest="as_json", help="Print JSON for scripts."
        )
        check.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="Language of the labels and refusal reasons (default: %(default)s).",
        )
        check.add_argument(
            "--organisation",
            metavar="NUMBER",
            help="Also refuse statements of accounts that are not this organisation's (its "
            "number in Regie or its enterprise number).",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        handlers = {"check": self.handle_check}
        handlers[action](**options)

    def handle_check(
        self,
        *,
        files: list[str],
        as_json: bool,
        language: str,
        organisation: str | None = None,
        **options: Any,
    ) -> None:
        """Print the check of every file; raise CommandError (status 1) if any is refused."""
        with translation.override(language):
            checks = [check_file(path) for path in files]
            if organisation:
                checks = own_accounts_only(checks, organisation_named(organisation))
            if as_json:
                self.stdout.write(json.dumps(report_json(checks), ensure_ascii=False, indent=2))
            else:
                for file_check in checks:
                    self.stdout.write("\n".join(self.file_lines(file_check)))
            refused = sum(not file_check.accepted for file_check in checks)
            summary = ngettext(
                "%(total)s file checked: %(accepted)s accepted, %(refused)s refused.",
                "%(total)s files checked: %(accepted)s accepted, %(refused)s refused.",
                len(checks),
            ) % {"total": len(checks), "accepted": len(checks) - refused, "refused": refused}
            if refused:
                raise CommandError(summary, returncode=1)
            if not as_json:
                self.stdout.write(self.style.SUCCESS(summary))

    def file_lines(self, file_check: FileCheck) -> list[str]:
        """Return the text report of one file."""
        name = FORMAT_NAMES.get(file_check.format, "")
        if not file_check.accepted:
            title = _("%(file)s: %(format)s, refused") if name else _("%(file)s: refused")
            heading = self.style.ERROR(title % {"file": file_check.path, "format": name})
            return [heading, *(f"  - {error.translated()}" for error in file_check.errors)]
        count = len(file_check.statements)
        heading = ngettext(
            "%(file)s: %(format)s, %(count)s statement",
            "%(file)s: %(format)s, %(count)s statements",
            count,
        ) % {"file": file_check.path, "format": name, "count": count}
        warnings = [
            self.style.WARNING(f"  ! {warning.translated()}") for warning in file_check.warnings
        ]
        statements = (line for s in file_check.statements for line in statement_lines(s))
        return [heading, *warnings, *statements]


def organisation_named(number: str) -> Organisation:
    """Return the organisation of this id or enterprise number, or stop with a message."""
    digits = "".join(ch for ch in number if ch.isdigit())
    found = Organisation.objects.filter(enterprise_number__in={number, digits}).first()
    if found is None and number.isdigit() and len(number) < 10:
        found = Organisation.objects.filter(pk=int(number)).first()
    if found is None:
        raise CommandError(_("No organisation has the number %(number)s.") % {"number": number})
    return found


def own_accounts_only(checks: list[FileCheck], organisation: Organisation) -> list[FileCheck]:
    """Return the checks, refusing the files with statements of another organisation's account."""
    with scope(organisation):
        return [
            replace(check, statements=(), errors=tuple(refusals))
            if (refusals := file_refusals(check))
            else check
            for check in checks
        ]


def statement_lines(figures: StatementFigures) -> list[str]:
    """Return the lines of one statement: its account, then a table of its figures."""
    account = format_account(figures.account)
    if figures.sequence_number:
        title = _("Account %(account)s, statement %(number)s")
    else:
        title = _("Account %(account)s")
    money = figures.currency
    rows = [
        (
            _("Old balance"),
            figures.old_balance_date,
            format_amount(figures.old_balance_cents, money),
        ),
        (
            _("New balance"),
            figures.new_balance_date,
            format_amount(figures.new_balance_cents, money),
        ),
        (_("Movements"), None, str(figures.movements)),
        (_("Total debit"), None, format_amount(figures.total_debit_cents, money)),
        (_("Total credit"), None, format_amount(figures.total_credit_cents, money)),
    ]
    label_width = max(len(label) for label, _day, _value in rows)
    value_width = max(len(value) for _label, _day, value in rows)
    table = [
        f"    {label:<{label_width}}  {format_date(day):<10}  {value:>{value_width}}"
        for label, day, value in rows
    ]
    return [f"  {title % {'account': account, 'number': figures.sequence_number}}", *table]


def report_json(checks: list[FileCheck]) -> dict[str, Any]:
    """Return the checks as JSON-ready data: cents, ISO dates, translated refusal reasons."""
    refused = sum(not file_check.accepted for file_check in checks)
    return {
        "files": [file_json(file_check) for file_check in checks],
        "accepted": len(checks) - refused,
        "refused": refused,
    }


def file_json(file_check: FileCheck) -> dict[str, Any]:
    """Return the check of one file as JSON-ready data."""
    return {
        "file": file_check.path,
        "format": file_check.format or None,
        "accepted": file_check.accepted,
        "statements": [statement_json(figures) for figures in file_check.statements],
        "errors": [_message_json(error) for error in file_check.errors],
        "warnings": [_message_json(warning) for warning in file_check.warnings],
    }


def _message_json(error) -> dict[str, Any]:
    return {"code": error.code, "message": error.translated(), "line": error.params.get("line")}


def statement_json(figures: StatementFigures) -> dict[str, Any]:
    """Return the figures of one statement as JSON-ready data."""
    return {
        "account": figures.account,
        "account_formatted": format_account(figures.account),
        "currency": figures.currency,
        "sequence_number": figures.sequence_number,
        "old_balance_cents": figures.old_balance_cents,
        "old_balance_date": _iso(figures.old_balance_date),
        "new_balance_cents": figures.new_balance_cents,
        "new_balance_date": _iso(figures.new_balance_date),
        "movements": figures.movements,
        "total_debit_cents": figures.total_debit_cents,
        "total_credit_cents": figures.total_credit_cents,
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
