"""Run background workers (the django-tasks database backend) and the daily work."""

import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from regie.core.daily import daily_run, often_run

CHECK_EVERY = 15 * 60  # seconds between two looks at whether today's work is done
OFTEN_EVERY = 60  # seconds between two runs of the frequent work (call-back retries)


def daily_loop(stop: threading.Event) -> None:
    """Run the daily work when a day starts (one worker does it; the others find it done)."""
    while not stop.is_set():
        try:
            daily_run(timezone.localdate())
        except Exception:  # a failed day is tried again at the next look
            import logging

            logging.getLogger(__name__).exception("daily work failed")
        finally:
            close_old_connections()
        stop.wait(CHECK_EVERY)


def often_loop(stop: threading.Event) -> None:
    """Run the frequent work every minute (retries of call-backs to services' systems)."""
    while not stop.is_set():
        try:
            often_run()
        except Exception:  # tried again at the next minute
            import logging

            logging.getLogger(__name__).exception("frequent work failed")
        finally:
            close_old_connections()
        stop.wait(OFTEN_EVERY)


class Command(BaseCommand):
    help = "Run a worker that executes Regie's background jobs (billing runs, PDFs, imports)."

    def add_arguments(self, parser):
        parser.add_argument("--queue", default="*", help="Queue name, or * for all.")
        parser.add_argument(
            "--no-daily", action="store_true", help="Do not run the daily work in this worker."
        )

    def handle(self, *args, queue, no_daily=False, **options):
        stop = threading.Event()
        if not no_daily:
            threading.Thread(target=daily_loop, args=(stop,), daemon=True).start()
            threading.Thread(target=often_loop, args=(stop,), daemon=True).start()
        try:
            call_command("db_worker", queue_name=queue)
        finally:
            stop.set()
