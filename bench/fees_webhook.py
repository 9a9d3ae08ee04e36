"""Benchmark: Mollie's webhook called 1,000 times for 500 online payments of permit files.

Prepare (not timed): an empty commune with a service whose system is called back, 500 files
paid in advance (worked example 13's container, various lengths), the simulated Mollie
configured as the commune's Mollie, a payment created there for each file through the pay
page's service, and all 500 paid at Mollie (its checkout's *Pay*, over HTTP).
The simulated Mollie is a real HTTP server on 127.0.0.1 in **its own process**
(``python -m regie.fees.fake_mollie --port 0``), as Mollie is another machine: its answers do
not compete with Regie's work for the process's interpreter lock. ``BENCH_MOLLIE=thread``
runs it in a thread of this process instead (as the tests do), for comparison.
Measure: POST the webhook (``/pay/mollie/webhook/``, Django's test client; its URLs loaded
while preparing, as in a server that answered before) twice per payment,
the second round in another order: each call fetches the payment from the simulated Mollie over
HTTP, the first records it (payment, allocation to the file, clearing-account and revenue
entries, the call-back queued), the second finds it recorded. Check 500 payments, 500 files
paid, 500 call-backs, whatever the 1,000 calls.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from decimal import Decimal

PAYMENTS = int(os.environ.get("BENCH_PAYMENTS", "500"))
SEED = 13


class MollieProcess:
    """The simulated Mollie in a process of its own; ``url``, ``pay(id)`` and ``stop()`` as a
    :class:`~regie.fees.fake_mollie.FakeMollie`'s (paying through its checkout page)."""

    def __init__(self) -> None:
        command = [sys.executable, "-m", "regie.fees.fake_mollie", "--port", "0"]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603
        first = self.process.stdout.readline()  # "Simulated Mollie on http://127.0.0.1:N (…)"
        self.url = next(word for word in first.split() if word.startswith("http://"))
        import requests

        self.session = requests.Session()

    def pay(self, payment_id: str) -> None:
        """Press *Pay* on the payment's simulated checkout (it answers with a redirect)."""
        answer = self.session.post(
            f"{self.url}/checkout/{payment_id}", data={"status": "paid"}, allow_redirects=False
        )
        assert answer.status_code == 303, answer.status_code

    def stop(self) -> None:
        self.session.close()
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process.stdout.close()


def _mollie():
    """The simulated Mollie: its own process unless ``BENCH_MOLLIE=thread``."""
    if os.environ.get("BENCH_MOLLIE") == "thread":
        from regie.fees.fake_mollie import FakeMollie

        return FakeMollie().start()
    return MollieProcess()


def prepare() -> dict:
    """Return the simulated Mollie (started) and the ids of its 500 paid payments."""
    from bench.operations import _empty_commune
    from regie.activities.models import ActivityCategory
    from regie.core.tenancy import scope
    from regie.fees.applicants import Applicant
    from regie.fees.models import MollieSettings, Service
    from regie.fees.online import checkout_open, mollie_settings_save
    from regie.fees.rules import Line
    from regie.fees.services import FileData, file_push, service_save

    org = _empty_commune()
    fake = _mollie()
    ids = []
    with scope(org):
        category = ActivityCategory.objects.create(name="Permis", code="permis")
        service = service_save(
            service=Service(
                name="Occupation du domaine public",
                category=category,
                callback_url="http://127.0.0.1:9/permits/paid",
            )
        )
        mollie_settings_save(
            settings=MollieSettings(api_endpoint=fake.url), api_key="test_benchmark0000000000"
        )
        for n in range(PAYMENTS):
            applicant = Applicant(
                last_name=f"Demandeur{n}",
                first_name="Julie",
                street="Rue Haute 3",
                postcode="5000",
                city="Namur",
                email=f"demandeur{n}@example.be",
            )
            days = Decimal(n % 5 + 1)
            line = Line("Conteneur, par jour", days, 1500, Decimal("0"))
            data = FileData(f"OCC-{n:05d}", applicant, "Conteneur sur la voie publique", (line,))
            file, _ = file_push(service=service, data=data)
            checkout = checkout_open(
                organisation=org,
                communication=file.communication,
                amount_cents=file.amount_cents,
                redirect_url="http://localhost/pay/",
                webhook_url="",  # the benchmark calls the webhook itself
                file=file,
            )
            fake.pay(checkout.mollie_id)
            ids.append(checkout.mollie_id)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # statistics as autovacuum would have them
            cursor.execute("ANALYZE")
    # A server answering Mollie has loaded its URLs before (the API's schemas among them):
    # that is the process starting, not a webhook call, and is not timed.
    from django.urls import reverse

    return {"org": org, "fake": fake, "ids": ids, "url": reverse("fees:mollie_webhook")}


def measure(state: dict) -> int:
    """Call the webhook twice per payment; return how many calls were answered 200."""
    from django.test import Client

    from regie.core.tenancy import scope
    from regie.fees.models import Callback, FileState, ServiceFile
    from regie.payments.models import Payment

    client = Client(HTTP_HOST="localhost")
    again = list(state["ids"])
    random.Random(SEED).shuffle(again)
    answered = 0
    for mollie_id in [*state["ids"], *again]:
        response = client.post(state["url"], {"id": mollie_id})
        assert response.status_code == 200, response.status_code
        answered += 1
    state["fake"].stop()
    with scope(state["org"]):
        paid = ServiceFile.objects.filter(state=FileState.PAID).count()
        counts = (Payment.objects.count(), paid, Callback.objects.count())
    assert counts == (PAYMENTS, PAYMENTS, PAYMENTS), counts
    return answered
