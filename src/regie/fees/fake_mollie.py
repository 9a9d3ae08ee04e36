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
"""

from __future__ import annotations

import html
import json
import secrets
import string
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_PORT = 8765
FINAL = {"paid", "failed", "canceled", "expired"}
ALPHABET = string.ascii_letters + string.digits


def _new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(10))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _cents(amount: dict) -> int:
    whole, _, part = str(amount["value"]).partition(".")
    return int(whole) * 100 + int((part + "00")[:2])


def _amount(cents: int) -> dict:
    return {"currency": "EUR", "value": f"{cents // 100}.{cents % 100:02d}"}


class FakeMollie:
    """The simulated Mollie's state and its HTTP server (see the module's docstring)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port
        self.mode = "normal"
        self.delay = 3.0
        self.fee_cents = 29
        self.payments: dict[str, dict] = {}
        self.owners: dict[str, str] = {}  # payment id -> API key
        self.keys: dict[tuple[str, str], str] = {}  # (API key, idempotency key) -> payment id
        self.refunds: dict[str, dict] = {}
        self.settlements: dict[str, dict] = {}
        self.webhook_calls: list[tuple[str, int | str]] = []
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.RLock()
        self.server: ThreadingHTTPServer | None = None

    # Life cycle ------------------------------------------------------------------------------
    def start(self) -> FakeMollie:
        """Listen (in a daemon thread) and return self; ``url`` is where the API answers."""
        handler = type("Handler", (_Handler,), {"fake": self})
        self.server = ThreadingHTTPServer((self.host, self.port), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self) -> FakeMollie:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # What the checkout's buttons and the tests do ---------------------------------------------
    def set_status(self, payment_id: str, status: str, *, method: str = "bancontact") -> dict:
        """Give a payment its new status (and dates) and call its webhook; return it."""
        with self.lock:
            payment = self.payments[payment_id]
            if payment["status"] in FINAL:
                return payment
            payment["status"] = status
            if status == "paid":
                payment["paidAt"] = _now()
                payment["method"] = method
                payment["amountRemaining"] = dict(payment["amount"])
                payment["_links"]["refunds"] = {
                    "href": f"{self.url}/v2/payments/{payment_id}/refunds"
                }
            elif status in FINAL:
                stamp = {"failed": "failedAt", "canceled": "canceledAt"}.get(status, "expiredAt")
                payment[stamp] = _now()
            if status in FINAL:
                payment["_links"].pop("checkout", None)
        self.call_webhook(payment_id)
        return payment

    def pay(self, payment_id: str, *, method: str = "bancontact") -> dict:
        return self.set_status(payment_id, "paid", method=method)

    def call_webhook(self, payment_id: str) -> int | str:
        """POST ``id=<payment id>`` to the payment's webhook; return its status or the error."""
        url = self.payments[payment_id].get("webhookUrl")
        if not url:
            return "no webhook"
        body = urllib.parse.urlencode({"id": payment_id}).encode()
        request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                result: int | str = answer.status
        except urllib.error.HTTPError as error:
            result = error.code
        except OSError as error:
            result = str(error)
        self.webhook_calls.append((payment_id, result))
        return result

    def payout(self, *, fee_cents: int | None = None) -> dict:
        """Settle every paid payment not settled yet, less a fee each; return the payout."""
        fee = self.fee_cents if fee_cents is None else fee_cents
        with self.lock:
            ids = [
                pid
                for pid, p in self.payments.items()
                if p["status"] == "paid" and not p.get("settlementId")
            ]
            settlement_id = _new_id("stl_")
            count = len(self.settlements) + 1
            reference = f"1234567.{datetime.now(UTC):%y%m}.{count:02d}"
            revenue = sum(_cents(self.payments[pid]["amount"]) for pid in ids)
            refunded = sum(
                _cents(r["amount"]) for r in self.refunds.values() if r["paymentId"] in ids
            )
            costs = fee * len(ids)
            for pid in ids:
                self.payments[pid]["settlementId"] = settlement_id
            settlement = {
                "resource": "settlement",
                "id": settlement_id,
                "reference": reference,
                "createdAt": _now(),
                "settledAt": _now(),
                "status": "paidout",
                "amount": _amount(revenue - refunded - costs),
                "periods": {
                    f"{datetime.now(UTC):%Y}": {
                        f"{datetime.now(UTC):%m}": {
                            "revenue": [
                                {
                                    "description": "Bancontact",
                                    "count": len(ids),
                                    "amountNet": _amount(revenue),
                                    "amountVat": None,
                                    "amountGross": _amount(revenue),
                                }
                            ],
                            "costs": [
                                {
                                    "description": "Bancontact",
                                    "count": len(ids),
                                    "rate": {"fixed": _amount(fee)},
                                    "amountNet": _amount(costs),
                                    "amountVat": _amount(0),
                                    "amountGross": _amount(costs),
                                }
                            ],
                        }
                    }
                },
                "_links": {"self": {"href": f"{self.url}/v2/settlements/{settlement_id}"}},
                "_payment_ids": ids,
            }
            self.settlements[settlement_id] = settlement
            return settlement

    # The API -------------------------------------------------------------------------------
    def create_payment(self, key: str, idempotency: str, data: dict) -> tuple[int, dict, bool]:
        with self.lock:
            if idempotency and (key, idempotency) in self.keys:
                return 201, self.payments[self.keys[key, idempotency]], True
            if not isinstance(data.get("amount"), dict) or not data.get("description"):
                return 422, _error(422, "The amount and the description are required."), False
            try:
                cents = _cents(data["amount"])
            except (KeyError, ValueError):
                return 422, _error(422, "The amount is invalid.", "amount"), False
            if cents <= 0:
                return 422, _error(422, "The amount must be at least 0.01.", "amount"), False
            pid = _new_id("tr_")
            payment = {
                "resource": "payment",
                "id": pid,
                "mode": "test",
                "createdAt": _now(),
                "status": "open",
                "isCancelable": False,
                "expiresAt": _now(),
                "amount": _amount(cents),
                "description": str(data["description"])[:255],
                "method": None,
                "metadata": data.get("metadata"),
                "locale": (data.get("locale") or "fr_BE"),
                "redirectUrl": data.get("redirectUrl"),
                "webhookUrl": data.get("webhookUrl"),
                "profileId": "pfl_simulated",
                "sequenceType": "oneoff",
                "_links": {
                    "self": {"href": f"{self.url}/v2/payments/{pid}"},
                    "checkout": {"href": f"{self.url}/checkout/{pid}"},
                },
            }
            self.payments[pid] = payment
            self.owners[pid] = key
            if idempotency:
                self.keys[key, idempotency] = pid
            return 201, payment, False

    def create_refund(self, key: str, idempotency: str, pid: str, data: dict) -> tuple[int, dict]:
        with self.lock:
            payment = self._owned(key, pid)
            if payment is None:
                return 404, _error(404, "No payment exists with this id.")
            if idempotency and (key, "refund:" + idempotency) in self.keys:
                return 201, self.refunds[self.keys[key, "refund:" + idempotency]]
            if payment["status"] != "paid":
                return 422, _error(422, "The payment is not paid and cannot be refunded.")
            try:
                cents = _cents(data["amount"])
            except (KeyError, TypeError, ValueError):
                return 422, _error(422, "The amount is invalid.", "amount")
            remaining = _cents(payment.get("amountRemaining") or payment["amount"])
            if cents <= 0 or cents > remaining:
                return 422, _error(422, "The amount is higher than what remains.", "amount")
            rid = _new_id("re_")
            refund = {
                "resource": "refund",
                "id": rid,
                "amount": _amount(cents),
                "status": "pending",
                "createdAt": _now(),
                "description": data.get("description", ""),
                "paymentId": pid,
                "_links": {"self": {"href": f"{self.url}/v2/payments/{pid}/refunds/{rid}"}},
            }
            self.refunds[rid] = refund
            payment["amountRemaining"] = _amount(remaining - cents)
            payment["amountRefunded"] = _amount(_cents(payment["amount"]) - remaining + cents)
            if idempotency:
                self.keys[key, "refund:" + idempotency] = rid
            return 201, refund

    def _owned(self, key: str, pid: str) -> dict | None:
        return self.payments.get(pid) if self.owners.get(pid) == key else None

    def settlement(self, reference: str) -> dict | None:
        found = self.settlements.get(reference)
        if found is None:
            found = next(
                (s for s in self.settlements.values() if s["reference"] == reference), None
            )
        return found


def _error(status: int, detail: str, field: str = "") -> dict:
    titles = {404: "Not Found", 401: "Unauthorized", 422: "Unprocessable Entity"}
    body = {"status": status, "title": titles.get(status, "Error"), "detail": detail}
    if field:
        body["field"] = field
    return body


def _listing(name: str, items: list[dict]) -> dict:
    return {"count": len(items), "_embedded": {name: items}, "_links": {"next": None}}


def _public(row: dict) -> dict:
    return {k: v for k, v in row.items() if not k.startswith("_") or k == "_links"}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeMollie
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave at once (no 40 ms delayed ACK)

    def log_message(self, format, *args) -> None:  # noqa: A002 - quiet in tests and the demo
        return

    # Plumbing --------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: dict, headers: dict | None = None) -> None:
        body = json.dumps(data).encode()
        self._send(status, body, "application/hal+json", headers)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _api_key(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        key = auth.removeprefix("Bearer ").strip()
        return key if key.startswith(("test_", "live_")) else None

    def _api(self, method: str) -> None:
        fake = self.fake
        path = urllib.parse.urlsplit(self.path).path.rstrip("/")
        fake.requests.append((method, path))
        body = self._body()
        if fake.mode == "timeout":
            time.sleep(fake.delay)
        if fake.mode == "error":
            self._json(500, _error(500, "Simulated failure of Mollie."))
            return
        key = self._api_key()
        if key is None:
            self._json(401, _error(401, "Missing authentication, or failed to authenticate."))
            return
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            self._json(400, _error(400, "The body is not JSON."))
            return
        parts = path.split("/")[2:]  # after /v2
        idempotency = self.headers.get("Idempotency-Key", "")
        self._route(method, parts, key, idempotency, data if isinstance(data, dict) else {})

    def _route(self, method: str, parts: list[str], key: str, idempotency: str, data: dict):
        fake = self.fake
        match method, parts:
            case "POST", ["payments"]:
                status, payment, replayed = fake.create_payment(key, idempotency, data)
                headers = {"Idempotent-Replayed": "true"} if replayed else None
                self._json(status, payment, headers)
            case "GET", ["payments", pid]:
                payment = fake._owned(key, pid)
                if payment is None:
                    self._json(404, _error(404, f"No payment exists with token {pid}."))
                else:
                    self._json(200, payment)
            case "POST", ["payments", pid, "refunds"]:
                self._json(*fake.create_refund(key, idempotency, pid, data))
            case "GET", ["payments", pid, "refunds"]:
                if fake._owned(key, pid) is None:
                    self._json(404, _error(404, f"No payment exists with token {pid}."))
                    return
                rows = [r for r in fake.refunds.values() if r["paymentId"] == pid]
                self._json(200, _listing("refunds", rows))
            case "GET", ["settlements"]:
                rows = sorted(fake.settlements.values(), key=lambda s: s["createdAt"], reverse=True)
                self._json(200, _listing("settlements", [_public(s) for s in rows]))
            case "GET", ["settlements", reference]:
                found = fake.settlement(reference)
                if found is None:
                    self._json(404, _error(404, "No settlement exists with this id."))
                else:
                    self._json(200, _public(found))
            case "GET", ["settlements", reference, "payments"]:
                found = fake.settlement(reference)
                if found is None:
                    self._json(404, _error(404, "No settlement exists with this id."))
                    return
                rows = [fake.payments[pid] for pid in found["_payment_ids"]]
                self._json(200, _listing("payments", rows))
            case _:
                self._json(404, _error(404, "The simulated Mollie does not know this address."))

    # The simulated checkout -------------------------------------------------------------------
    def _checkout(self, method: str, pid: str) -> None:
        payment = self.fake.payments.get(pid)
        if payment is None:
            self._send(404, b"Unknown payment", "text/plain; charset=utf-8")
            return
        if method == "POST":
            choice = urllib.parse.parse_qs(self._body().decode()).get("status", [""])[0]
            if choice in FINAL and payment["status"] not in FINAL:
                self.fake.set_status(pid, choice)
            target = payment.get("redirectUrl") or f"{self.fake.url}/checkout/{pid}"
            self._send(303, b"", "text/plain", {"Location": target})
            return
        self._send(200, checkout_page(payment).encode(), "text/html; charset=utf-8")

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/v2/"):
            self._api("GET")
        elif path.startswith("/checkout/"):
            self._checkout("GET", path.removeprefix("/checkout/").strip("/"))
        else:
            self._send(404, b"Not found", "text/plain")

    def do_POST(self) -> None:  # noqa: N802
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/v2/"):
            self._api("POST")
        elif path.startswith("/checkout/"):
            self._checkout("POST", path.removeprefix("/checkout/").strip("/"))
        else:
            self._send(404, b"Not found", "text/plain")


def checkout_page(payment: dict) -> str:
    """Return the simulated checkout of a payment, in the payer's language."""
    from django.utils import translation
    from django.utils.translation import gettext as _

    with translation.override((payment.get("locale") or "fr")[:2]):
        value = payment["amount"]["value"].replace(".", ",")
        title = _("Simulated payment")
        warning = _(
            "This page stands in for Mollie's checkout in tests and in the demo. No money "
            "moves: choose what the payment service would answer."
        )
        labels = {
            "paid": _("Pay"),
            "failed": _("Make it fail"),
            "canceled": _("Cancel"),
            "expired": _("Let it expire"),
        }
        amount_label, reference_label = _("Amount"), _("Reference")
        from regie.fees.models import CheckoutStatus

        status_label = _("Status")
        status = str(dict(CheckoutStatus.choices).get(payment["status"], payment["status"]))
        language = translation.get_language()
    buttons = "".join(
        f'<button type="submit" name="status" value="{code}">{html.escape(label)}</button> '
        for code, label in labels.items()
    )
    form = f'<form method="post">{buttons}</form>' if payment["status"] not in FINAL else ""
    return f"""<!doctype html>
<html lang="{language}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem}}
.banner{{background:#fff3cd;border:2px dashed #b58100;padding:.8rem;margin-bottom:1rem}}
button{{font-size:1rem;padding:.5rem 1rem;margin:.2rem}}</style></head>
<body><div class="banner" role="note"><strong>{html.escape(title)}</strong><br>
{html.escape(warning)}</div>
<h1>{html.escape(title)}</h1>
<p>{html.escape(amount_label)}&nbsp;: <strong>{html.escape(value)} €</strong></p>
<p>{html.escape(reference_label)}&nbsp;: {html.escape(payment["description"])}</p>
<p>{html.escape(status_label)}&nbsp;: <span id="status">{html.escape(status)}</span></p>
{form}</body></html>"""


DEMO_KEY = "test_ValDeMehaigneSimulated00000000"  # noqa: S105 - the simulated Mollie's


def settings_for_demo() -> None:
    """Give the active (demo) organisation Mollie settings pointing at the simulated Mollie."""
    from regie.fees.models import MollieSettings
    from regie.fees.online import mollie_settings_save

    mollie_settings_save(
        settings=MollieSettings(api_endpoint=f"http://127.0.0.1:{DEFAULT_PORT}"), api_key=DEMO_KEY
    )


def local_ports() -> set[int]:
    """Return the local ports organisations' Mollie settings point at (the simulated Mollie)."""
    from django.db import DatabaseError

    from regie.fees.models import MollieSettings

    try:
        endpoints = set(
            MollieSettings.unscoped_objects.filter(is_active=True)
            .exclude(api_endpoint="")
            .values_list("api_endpoint", flat=True)
        )
    except DatabaseError:  # not migrated yet
        return set()
    ports = set()
    for endpoint in endpoints:
        parts = urllib.parse.urlsplit(endpoint)
        if parts.hostname in ("127.0.0.1", "localhost") and parts.port:
            ports.add(parts.port)
    return ports


def serve_beside(write) -> list[FakeMollie]:
    """Start a simulated Mollie on each local port the settings point at (``regie serve``)."""
    started = []
    for port in sorted(local_ports()):
        try:
            started.append(FakeMollie(port=port).start())
        except OSError as error:
            write(f"Simulated Mollie not started on port {port}: {error.strerror}.")
            continue
        write(f"Simulated Mollie (payments of the demo) on http://127.0.0.1:{port}.")
    return started


def main() -> None:  # pragma: no cover - for trying it by hand
    import argparse

    parser = argparse.ArgumentParser(description="Run the simulated Mollie.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    port = parser.parse_args().port
    import django

    django.setup()
    fake = FakeMollie(port=port).start()
    print(f"Simulated Mollie on {fake.url} (Ctrl-C to stop)")  # noqa: T201
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
