"""Run the daily work of every organisation (late instalments, the sweep of sendings...)."""

from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from regie.core.daily import daily_run


class Command(BaseCommand):
    help = "Run today's daily work in every organisation, once (safe beside running workers)."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=date.fromisoformat, help="The day (YYYY-MM-DD).")

    def handle(self, *args, date=None, **options):
        done = daily_run(date or timezone.localdate())
        if not done:
            self.stdout.write("Nothing to do: the daily work of this day is done already.")
        for name, result in done.items():
            counts = ", ".join(f"{work}: {count}" for work, count in result.items())
            self.stdout.write(f"{name}: {counts or '-'}")
