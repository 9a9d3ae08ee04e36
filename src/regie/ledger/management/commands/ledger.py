"""`regie ledger verify`: recompute every organisation's hash chain and report broken links."""

from django.core.management.base import BaseCommand, CommandError

from regie.core.models import Organisation
from regie.core.tenancy import scope
from regie.ledger.services import chain_verify


class Command(BaseCommand):
    help = "Ledger maintenance. `verify`: check that no posted entry changed after posting."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Recompute the hash chains.")
        verify.add_argument("--organisation", type=int, help="Only this organisation (id).")

    def handle(self, *args, action, organisation=None, **options):
        organisations = Organisation.objects.order_by("pk")
        if organisation:
            organisations = organisations.filter(pk=organisation)
        broken = 0
        for org in organisations:
            with scope(org):
                link = chain_verify()
            if link is None:
                self.stdout.write(f"{org} (#{org.pk}): chain intact")
            else:
                broken += 1
                self.stdout.write(
                    f"{org} (#{org.pk}): BROKEN at entry #{link.sequence} "
                    f"({link.document}): {link.reason}"
                )
        if broken:
            raise CommandError(f"{broken} organisation(s) with a broken ledger chain")
