"""Run background workers (the django-tasks database backend)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run a worker that executes Regie's background jobs (billing runs, PDFs, imports)."

    def add_arguments(self, parser):
        parser.add_argument("--queue", default="*", help="Queue name, or * for all.")

    def handle(self, *args, queue, **options):
        call_command("db_worker", queue_name=queue)
