"""Load the demo commune (deterministic; `--children N` scales it)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError

from regie.core.models import Membership, Organisation, User
from regie.demo import commune
from regie.demo.payments import bank_file_path
from regie.demo.second_factor import second_factor_hint


class Command(BaseCommand):
    help = "Load the demo commune with its users (skipped when already loaded; see --reset)."

    def add_arguments(self, parser):
        parser.add_argument("--children", type=int, default=400)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--reset", action="store_true", help="Delete and rebuild the demo.")
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000",
            help="Where the back-office will be served, for the login line (make demo passes "
            "its HOST and PORT).",
        )

    def handle(self, *args, children, seed, reset, url, **options):
        if children < 1:
            raise CommandError("--children must be at least 1")
        existing = commune.demo_organisation()
        if existing and reset:
            self._delete_demo()
            existing = None
        if existing:
            self.stdout.write("The demo commune is already loaded (use --reset to rebuild it).")
        else:
            _, stats = commune.build_demo(children=children, seed=seed)
            self.stdout.write(f"Demo commune loaded: {commune.describe(stats)}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Log in on {url} with user “admin”, password "
                f"“{commune.DEMO_PASSWORD}” (also: coordination, finances, accueil, audit)."
            )
        )
        if hint := second_factor_hint():
            self.stdout.write(hint)
        if (bank_file := bank_file_path()).exists():
            self.stdout.write(f"Bank file ready to import: {bank_file}")

    @transaction.atomic
    def _delete_demo(self):
        from django.apps import apps
        from django.db.models import QuerySet

        from regie.core.models import OrgModel

        orgs = list(Organisation.objects.filter(name__endswith="Val-de-Mehaigne"))
        # Delete business rows children-first: every OrgModel, most dependent models first.
        models = [m for m in apps.get_models() if issubclass(m, OrgModel)]
        # A credit note protects the invoice it credits, even when both go: credit notes first.
        invoices = apps.get_model("billing", "Invoice").unscoped_objects
        QuerySet.delete(invoices.filter(organisation__in=orgs, credit_of__isnull=False))
        for _ in range(len(models)):
            for model in models:
                rows = model.unscoped_objects.filter(organisation__in=orgs)
                try:
                    # Django's own delete: a demo reset removes posted ledger rows and
                    # invoices too, which their querysets refuse to delete.
                    QuerySet.delete(rows)
                except (ProtectedError, RestrictedError):  # noqa: S112 - retry after the others
                    continue
        Membership.objects.filter(organisation__in=orgs).delete()
        User.objects.filter(username__in=[u[0] for u in commune.DEMO_USERS]).delete()
        for org in orgs:
            org.delete()
