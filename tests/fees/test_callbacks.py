"""Once a file is paid Regie tells its service's system: an HMAC-signed POST, retried with
growing delays until a 2xx answer, every attempt logged."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from tests.fees import builders as b

from regie.core.daily import often_run
from regie.fees import rules
from regie.fees.callbacks import callbacks_due
from regie.fees.models import Callback, CallbackStatus
from regie.fees.payments import file_pay_at_counter
from regie.fees.services import file_push
from regie.payments.models import Mode


class PermitSystem:
    """A fake permit system on 127.0.0.1: answers the statuses it is given, keeps requests."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses, self.received = list(statuses), []
        system = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                system.received.append((dict(self.headers), body))
                self.send_response(system.statuses.pop(0) if system.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/permits/paid"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def permit_system():
    system = PermitSystem([503, 500])
    yield system
    system.close()


def pay(service, external_id: str = "OCC-1"):
    file, _ = file_push(service=service, data=b.container(external_id))
    file_pay_at_counter(file=file, mode=Mode.CARD)
    return file


def test_a_paid_file_is_called_back_signed_and_retried_until_acknowledged(
    in_a, permit_system, django_capture_on_commit_callbacks
):
    service = b.service(callback_url=permit_system.url)
    with django_capture_on_commit_callbacks(execute=True):
        file = pay(service)
    callback = Callback.objects.get()
    assert (callback.attempts, callback.status) == (1, CallbackStatus.PENDING)
    first_retry = callback.next_at
    assert timedelta(seconds=50) < first_retry - timezone.now() <= timedelta(minutes=1)
    assert callbacks_due() == 0  # not due yet
    assert callbacks_due(first_retry) == 1
    callback.refresh_from_db()
    assert callback.next_at - first_retry >= timedelta(minutes=4)  # growing delays
    assert callbacks_due(callback.next_at) == 1
    callback.refresh_from_db()
    assert (callback.status, callback.attempts) == (CallbackStatus.ACKNOWLEDGED, 3)
    assert [t.status_code for t in callback.tries.all()] == [503, 500, 200]
    headers, body = permit_system.received[-1]
    assert headers["X-Regie-Signature"] == rules.signature(
        service.callback_secret, headers["X-Regie-Timestamp"], body
    )
    assert json.loads(body) | {"paid_at": None} == {
        "event": "file.paid",
        "service": service.name,
        "external_id": file.external_id,
        "version": 1,
        "state": "paid",
        "amount_cents": 3000,
        "communication": file.communication,
        "paid_at": None,
    }
    assert len({h["X-Regie-Delivery"] for h, _ in permit_system.received}) == 1
    assert callbacks_due(timezone.now() + timedelta(days=2)) == 0  # acknowledged: done


def test_an_unreachable_system_is_logged_and_retried(in_a):
    service = b.service(callback_url="http://127.0.0.1:9/nobody-listens")
    pay(service)
    assert callbacks_due() == 1
    callback = Callback.objects.get()
    attempt = callback.tries.get()
    assert attempt.status_code is None and attempt.error
    assert callback.status == CallbackStatus.PENDING and callback.next_at > timezone.now()


def test_the_worker_retries_in_every_organisation(org_a, permit_system):
    from regie.core.tenancy import scope

    with scope(org_a):
        pay(b.service(callback_url=permit_system.url))
    assert often_run() == {org_a.name: {"fees.callbacks": 1}}


def test_a_service_without_address_is_not_called_back(in_a):
    pay(b.service())
    assert not Callback.objects.exists()


def test_the_dashboard_counts_call_backs_still_failing_after_three_attempts(in_a):
    from regie.core import dashboard
    from regie.core.models import Role

    pay(b.service(callback_url="http://127.0.0.1:9/nobody-listens"))
    (counter,) = [
        c for c in dashboard.counters_for(Role.ADMINISTRATOR) if c.key == "fees.callbacks_failing"
    ]
    callback = Callback.objects.get()
    for _attempt in range(3):
        assert counter.count() == 0
        callbacks_due(timezone.now() + timedelta(days=2))
    assert counter.count() == 1 and callback.tries.count() == 3
    assert "/config/fees/callback/" in counter.url()
