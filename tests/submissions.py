"""Helpers of the tests of forms that create or move money (:mod:`regie.core.once`): the same
form sent again, and sent from several browsers at the same moment."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client


def concurrent(test):
    """Mark a test that needs concurrent transactions (PostgreSQL; skipped on SQLite)."""
    needs = pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent transactions"
    )
    return needs(pytest.mark.postgres(test))


def together(*work: Callable[[], object]) -> list[object]:
    """Run each callable in its own thread (and database connection), all starting at the
    same moment; return what each returned or raised, in order."""
    start = threading.Barrier(len(work), timeout=30)
    outcomes: list[object] = [None] * len(work)

    def run(index: int) -> None:
        try:
            start.wait()
            outcomes[index] = work[index]()
        except BaseException as error:  # reported by the main thread
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    return outcomes


def submit_together(user, url: str, data: dict, count: int = 4) -> list[object]:
    """Post ``data`` to ``url`` from ``count`` clients logged in as ``user``, all at the same
    moment; return their answers (or what they raised), in order."""
    clients = [Client() for _ in range(count)]
    for client in clients:
        client.force_login(user)
    return together(*(functools.partial(client.post, url, data) for client in clients))


def said_once(response) -> bool:
    """Return whether the answer says the form was recorded once already (not an error)."""
    levels = [message.level_tag for message in get_messages(response.wsgi_request)]
    return response.status_code == 302 and levels[-1:] == ["info"] and "error" not in levels
