"""Serve the back-office for local use and the demo (Django's server, static files included)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Regie on http://HOST:PORT (development server with static files)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host, port, **options):
        call_command("runserver", f"{host}:{port}", use_reloader=False, insecure_serving=True)
