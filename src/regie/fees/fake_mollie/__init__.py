"""A simulated Mollie: a real HTTP server on 127.0.0.1 answering the part of Mollie's API that
Regie uses, for the tests, the browser tests and the demo (the machines reach no provider).

Point an organisation's Mollie settings at it (``api_endpoint = fake.url``) and Mollie's own
client talks to it. It implements, under ``/v2``: create a payment (honouring the
``Idempotency-Key`` header: the same key answers the same payment), get a payment, create and
list a payment's refunds, list and get payouts ("settlements", by id or bank reference) and the
payments of a payout. Any API key of the form ``test_…``/``live_…`` is accepted; a payment is
only seen with the key that created it.

Where Mollie's checkout would be, ``/checkout/<id>`` shows a page clearly labelled as simulated,
with four buttons (pay, fail, cancel, let expire): the choice sets the payment's status, calls
the payment's webhook (a form ``POST`` of ``id=…``, as Mollie does) and sends the payer back to
the payment's redirect address.

Switches for tests: ``fake.mode = "error"`` answers every API call with a 500, ``"timeout"``
answers after ``fake.delay`` seconds (longer than the client waits); ``"normal"`` again after.
``fake.pay(id)`` (and ``fake.set_status``) do what the checkout's buttons do; ``fake.payout()``
settles the paid payments not settled yet, less a fee per payment.

Start it with ``FakeMollie().start()`` (a free port, or ``port=8765``) and ``stop()`` it; or
``python -m regie.fees.fake_mollie --port 8765``. ``regie serve`` starts one by itself when an
organisation's Mollie settings point at a local address (the demo's do).

Modules: :mod:`.state` (payments, refunds, payouts and what the API does with them),
:mod:`.server` (the HTTP server and the simulated checkout page), :mod:`.payloads` (Mollie's
JSON), :mod:`.demo` (the demo's settings, ``regie serve``, running it alone).
"""

from regie.fees.fake_mollie.demo import (
    DEFAULT_PORT,
    DEMO_KEY,
    local_ports,
    main,
    serve_beside,
    settings_for_demo,
)
from regie.fees.fake_mollie.server import checkout_page
from regie.fees.fake_mollie.state import FakeMollie

__all__ = [
    "DEFAULT_PORT",
    "DEMO_KEY",
    "FakeMollie",
    "checkout_page",
    "local_ports",
    "main",
    "serve_beside",
    "settings_for_demo",
]
