"""Batches sent as one JSON object holding a list (the scans, the files): reading and
documenting their bodies, each item then validated on its own by its operation."""

from __future__ import annotations

import json
from typing import Any

from regie.api.errors import BAD_JSON, ApiError
from regie.core.errors import DomainError


def body_list(body: bytes, key: str, refusal: DomainError) -> list[Any]:
    """Return the list a batch's JSON body holds under ``key``; refuse (400) a body that is
    not JSON (:data:`BAD_JSON`) or holds no such list (``refusal``)."""
    try:
        data = json.loads(body or b"null")
    except ValueError:  # includes UnicodeDecodeError
        raise ApiError(400, BAD_JSON) from None
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ApiError(400, refusal)
    return items


def batch_body(key: str, max_items: int, items: dict, example: dict | None = None) -> dict:
    """Return the OpenAPI request body of a batch: ``{key: [items...]}``, at most
    ``max_items`` (for an operation that reads its body itself, item by item)."""
    content: dict[str, Any] = {
        "schema": {
            "type": "object",
            "required": [key],
            "properties": {key: {"type": "array", "maxItems": max_items, "items": items}},
        }
    }
    if example is not None:
        content["example"] = example
    return {"requestBody": {"required": True, "content": {"application/json": content}}}
