"""The same batch of scans sent many times at once (issue 13, 7): each scan is stored once,
and exactly one answer says "accepted" for it; every other answer says "duplicate"."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection
from tests import factories as f
from tests.api.conftest import Phone, new_device, scan
from tests.conftest import make_organisation

from regie.attendance.models import ScanEvent
from regie.core.tenancy import scope

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions"),
]

SENDERS, SCANS = 20, 30


def test_a_batch_sent_twenty_times_at_once_is_accepted_once_per_scan(transactional_db):
    org = make_organisation("Commune pressée")
    with scope(org):
        evening = f.activity("Accueil du soir", "16:00", "18:00")
        children = [f.child(last_name=f"Enfant{n}") for n in range(3)]
    _device, token = new_device(org)
    batch = [
        scan(children[n % 3], evening.place, f"2025-10-01T16:{n:02d}", "entry")
        for n in range(SCANS)
    ]
    start = threading.Barrier(SENDERS, timeout=30)
    answers: list[object] = [None] * SENDERS

    def send(index: int) -> None:
        phone = Phone(token)
        try:
            start.wait()
            # Each sender its own order: the senders meet on the same ids in other orders.
            order = batch[index % SCANS :] + batch[: index % SCANS]
            response = phone.post({"events": order})
            answers[index] = (response.status_code, response.json())
        except BaseException as error:  # reported by the main thread
            answers[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads), "a sender is stuck (deadlock?)"

    assert all(isinstance(a, tuple) and a[0] == 200 for a in answers), answers
    bodies = [body for _status, body in answers]
    assert sum(body["accepted"] for body in bodies) == SCANS
    assert sum(body["duplicates"] for body in bodies) == SCANS * (SENDERS - 1)
    results = [result for body in bodies for result in body["results"]]
    accepted = [r["client_event_id"] for r in results if r["status"] == "accepted"]
    assert sorted(accepted) == sorted(e["client_event_id"] for e in batch)
    with scope(org):
        stored = ScanEvent.objects.values_list("client_event_id", flat=True)
        sent = sorted(str(uuid.UUID(event["client_event_id"])) for event in batch)
        assert sorted(map(str, stored)) == sent
    ids = {r["client_event_id"]: r["event_id"] for r in results}
    assert len(set(ids.values())) == SCANS
