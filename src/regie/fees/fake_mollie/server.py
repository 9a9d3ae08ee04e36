"""The simulated Mollie's HTTP server: its API under ``/v2`` and the simulated checkout.

HTTP/1.1 with keep-alive: Regie keeps its client (and its connection) from one call to the
next, as it does with Mollie. Stopping the server closes the connections still open, as a
stopped Mollie would.
"""

from __future__ import annotations

import contextlib
import html
import json
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

from regie.fees.fake_mollie.payloads import FINAL, error, listing, public

if TYPE_CHECKING:
    from regie.fees.fake_mollie.state import FakeMollie


class Server(ThreadingHTTPServer):
    """The HTTP server of a :class:`FakeMollie`, a thread per connection, that knows the
    connections it has open so that :meth:`close` ends them too."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], fake: FakeMollie) -> None:
        super().__init__(address, type("BoundHandler", (Handler,), {"fake": fake}))
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def process_request(self, request, client_address) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close(self) -> None:
        """Stop serving, stop listening, and end the connections kept alive."""
        self.shutdown()
        self.server_close()
        with self.connections_lock:
            still_open = list(self.connections)
        for connection in still_open:
            with contextlib.suppress(OSError):  # closed meanwhile
                connection.shutdown(socket.SHUT_RDWR)


class Handler(BaseHTTPRequestHandler):
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
            self._json(500, error(500, "Simulated failure of Mollie."))
            return
        key = self._api_key()
        if key is None:
            self._json(401, error(401, "Missing authentication, or failed to authenticate."))
            return
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            self._json(400, error(400, "The body is not JSON."))
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
                    self._json(404, error(404, f"No payment exists with token {pid}."))
                else:
                    self._json(200, payment)
            case "POST", ["payments", pid, "refunds"]:
                self._json(*fake.create_refund(key, idempotency, pid, data))
            case "GET", ["payments", pid, "refunds"]:
                if fake._owned(key, pid) is None:
                    self._json(404, error(404, f"No payment exists with token {pid}."))
                    return
                rows = [r for r in fake.refunds.values() if r["paymentId"] == pid]
                self._json(200, listing("refunds", rows))
            case "GET", ["settlements"]:
                rows = sorted(fake.settlements.values(), key=lambda s: s["createdAt"], reverse=True)
                self._json(200, listing("settlements", [public(s) for s in rows]))
            case "GET", ["settlements", reference]:
                found = fake.settlement(reference)
                if found is None:
                    self._json(404, error(404, "No settlement exists with this id."))
                else:
                    self._json(200, public(found))
            case "GET", ["settlements", reference, "payments"]:
                found = fake.settlement(reference)
                if found is None:
                    self._json(404, error(404, "No settlement exists with this id."))
                    return
                rows = [fake.payments[pid] for pid in found["_payment_ids"]]
                self._json(200, listing("payments", rows))
            case _:
                self._json(404, error(404, "The simulated Mollie does not know this address."))

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
