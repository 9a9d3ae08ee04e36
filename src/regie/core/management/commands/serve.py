"""Serve the back-office for local use and the demo, with a background worker beside it.

The development server and one ``regie worker`` (django-tasks-db's ``db_worker``) run together,
so background jobs (the verify-days wizard, billing runs) complete in the demo. The worker runs
in its own process group and is stopped with the server, however the server ends.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

WORKER_STOP_SECONDS = 10

#: What starts beside the server: functions given a writer, returning things with ``stop()``
#: (the fees app registers the simulated Mollie of the demo).
COMPANIONS: list = []


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Ask Linux to send SIGTERM to the worker if the server dies without cleaning up."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_worker() -> subprocess.Popen:
    """Start ``regie worker`` in a new process group, with this process's environment."""
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module, fixed arguments
        [sys.executable, "-m", "regie.cli", "worker"],
        start_new_session=True,
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
    )


def stop_worker(worker: subprocess.Popen) -> None:
    """Stop the worker's process group: SIGTERM, then SIGKILL if it does not end in time."""
    if worker.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=WORKER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def _check_port_free(host: str, port: str) -> None:
    # The development server exits with os._exit() when the port is taken, which would skip
    # stopping the worker: refuse before starting anything.
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, int(port)))
        except OSError as error:
            raise CommandError(f"Cannot listen on {host}:{port}: {error.strerror}.") from error


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(0)


class Command(BaseCommand):
    help = "Serve Regie on http://HOST:PORT (development server with static files) and a worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument(
            "--no-worker",
            action="store_false",
            dest="worker",
            help="Do not start a background worker beside the server.",
        )

    def handle(self, *args, host, port, worker, **options):
        if not worker:
            self._serve(host, port)
            return
        _check_port_free(host, port)
        process = start_worker()
        self.stdout.write(f"Background worker started (process {process.pid}).")
        previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
        try:
            self._serve(host, port)
        finally:
            signal.signal(signal.SIGTERM, previous)
            stop_worker(process)
            self.stdout.write("Background worker stopped.")

    def _serve(self, host: str, port: str) -> None:
        started = [c for start in COMPANIONS for c in start(self.stdout.write)]
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False, insecure_serving=True)
        finally:
            for companion in started:
                companion.stop()
