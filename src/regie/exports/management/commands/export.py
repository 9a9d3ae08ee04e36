"""`regie export`: an accounting export from the command line, for scheduled use."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from regie.core.errors import DomainError
from regie.core.models import Organisation, User
from regie.core.tenancy import scope
from regie.exports.services import (
    DOCUMENT_KINDS,
    FORMATS,
    KINDS,
    STATUSES,
    export_create,
    export_file_read,
)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"not a date (YYYY-MM-DD): {text}") from error


class Command(BaseCommand):
    help = (
        "Export an organisation's documents not exported yet (and those changed since) of a "
        "range of at most three months, or the ledger's entries (journal), into a folder."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisation", type=int, required=True, help="Organisation id.")
        parser.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
        parser.add_argument(
            "--format",
            dest="formats",
            action="append",
            choices=FORMATS,
            required=True,
            help="csv, ubl or journal (repeat for several).",
        )
        parser.add_argument(
            "--kind",
            dest="kinds",
            action="append",
            choices=KINDS,
            help="Documents to export (repeat for several); default: "
            + ", ".join(DOCUMENT_KINDS)
            + " (payment: the payments received).",
        )
        parser.add_argument(
            "--status",
            dest="statuses",
            action="append",
            choices=STATUSES,
            help="Keep the invoices of these statuses only (repeat for several); default: all.",
        )
        parser.add_argument("--output", required=True, help="Folder to write the files in.")
        parser.add_argument("--user", help="Username recorded as the export's author.")

    def handle(self, *args, organisation, date_from, date_to, formats, output, user, **options):
        kinds = options.get("kinds") or DOCUMENT_KINDS
        statuses = options.get("statuses") or ()
        org = Organisation.objects.filter(pk=organisation).first()
        if org is None:
            raise CommandError(f"no organisation #{organisation}")
        author = None
        if user:
            author = User.objects.filter(username=user).first()
            if author is None or not author.memberships.filter(organisation=org).exists():
                raise CommandError(f"{user} is no member of {org}")
        folder = Path(output)
        folder.mkdir(parents=True, exist_ok=True)
        with scope(org), translation.override(org.language):
            try:
                export = export_create(
                    date_from=_day(date_from),
                    date_to=_day(date_to),
                    formats=formats,
                    kinds=kinds,
                    statuses=statuses,
                    user=author,
                )
            except DomainError as error:
                raise CommandError(error.translated()) from error
            for export_file in export.files.all():
                (folder / export_file.name).write_bytes(export_file_read(export_file))
                self.stdout.write(
                    f"{folder / export_file.name} ({export_file.size} bytes, "
                    f"SHA-256 {export_file.sha256})"
                )
        self.stdout.write(
            f"export #{export.pk}: documents: {export.documents}, credit notes: {export.credits}"
        )
