"""The simulated Mollie's payloads: ids, dates, amounts, errors and listings as Mollie's API
writes them."""

from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime

FINAL = {"paid", "failed", "canceled", "expired"}
ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(10))


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def cents(amount: dict) -> int:
    whole, _, part = str(amount["value"]).partition(".")
    return int(whole) * 100 + int((part + "00")[:2])


def amount(cents: int) -> dict:
    return {"currency": "EUR", "value": f"{cents // 100}.{cents % 100:02d}"}


def error(status: int, detail: str, field: str = "") -> dict:
    titles = {404: "Not Found", 401: "Unauthorized", 422: "Unprocessable Entity"}
    body = {"status": status, "title": titles.get(status, "Error"), "detail": detail}
    if field:
        body["field"] = field
    return body


def listing(name: str, items: list[dict]) -> dict:
    return {"count": len(items), "_embedded": {name: items}, "_links": {"next": None}}


def public(row: dict) -> dict:
    return {k: v for k, v in row.items() if not k.startswith("_") or k == "_links"}
