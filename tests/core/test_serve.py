"""`regie serve` runs one background worker beside the development server and stops it."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from django.core.management import call_command

from regie.core.management.commands import serve

pytestmark = pytest.mark.skipif(
    not os.path.isdir("/proc/self"), reason="process groups and /proc (Linux)"
)


@pytest.fixture(autouse=True)
def no_companions(monkeypatch):
    """What starts beside the server (the simulated Mollie) reads the database: not here."""
    monkeypatch.setattr(serve, "COMPANIONS", [])


def sleepers() -> subprocess.Popen:
    """A stand-in worker: a shell and its own child, in their own process group."""
    return subprocess.Popen(
        ["sh", "-c", "sleep 60 & echo $!; wait"],  # noqa: S607
        start_new_session=True,
        stdout=subprocess.PIPE,
        text=True,
    )


def running(pid: int) -> bool:
    """Return whether a process runs (an unreaped zombie has ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_stopping_the_worker_ends_its_whole_process_group():
    """The worker may run under Django's autoreloader (a parent and a child): both end."""
    worker = sleepers()
    grandchild = int(worker.stdout.readline())
    assert running(grandchild)
    serve.stop_worker(worker)
    assert worker.returncode is not None
    deadline = time.monotonic() + 5
    while running(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running(grandchild)
    worker.stdout.close()


def test_worker_is_stopped_when_the_server_stops(monkeypatch):
    """Given the server stops with Ctrl-C (SystemExit from runserver), the worker is stopped."""
    started = []

    def fake_start():
        started.append(sleepers())
        return started[-1]

    def fake_runserver(*args, **kwargs):
        assert started[0].poll() is None  # the worker runs while the server serves
        raise SystemExit(0)

    monkeypatch.setattr(serve, "start_worker", fake_start)
    monkeypatch.setattr(serve, "call_command", fake_runserver)
    with pytest.raises(SystemExit):
        call_command("serve", port="0")
    assert started[0].returncode is not None


def test_no_worker_option_serves_alone(monkeypatch):
    monkeypatch.setattr(serve, "start_worker", lambda: pytest.fail("no worker wanted"))
    served = []
    monkeypatch.setattr(serve, "call_command", lambda *a, **k: served.append(a))
    call_command("serve", "--no-worker", port="0")
    assert served == [("runserver", "127.0.0.1:0")]


def test_a_taken_port_is_refused_before_any_worker_starts(monkeypatch):
    """runserver leaves with os._exit() on a taken port; serve refuses first instead."""
    import socket

    from django.core.management.base import CommandError

    monkeypatch.setattr(serve, "start_worker", lambda: pytest.fail("no worker wanted"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CommandError):
            call_command("serve", port=str(port))
