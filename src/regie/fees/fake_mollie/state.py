"""The simulated Mollie's state: its payments, refunds and payouts, what its API does with
them, and what the checkout's buttons and the tests do (see the package's docstring)."""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime

from regie.fees.fake_mollie.payloads import FINAL
from regie.fees.fake_mollie.payloads import amount as _amount
from regie.fees.fake_mollie.payloads import cents as _cents
from regie.fees.fake_mollie.payloads import error as _error
from regie.fees.fake_mollie.payloads import new_id as _new_id
from regie.fees.fake_mollie.payloads import now as _now
from regie.fees.fake_mollie.server import Server


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
        self.server: Server | None = None

    # Life cycle ------------------------------------------------------------------------------
    def start(self) -> FakeMollie:
        """Listen (in a daemon thread) and return self; ``url`` is where the API answers."""
        self.server = Server((self.host, self.port), self)
        self.port = self.server.server_address[1]
        # Polled every 50 ms for stop() (the default half second made each stop wait for it).
        serving = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        serving.start()
        return self

    def stop(self) -> None:
        """Stop listening and close the connections still open (the clients' kept ones)."""
        if self.server is not None:
            self.server.close()
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
