"""``POST /api/v1/scans``: a batch of scans from a phone, each answered on its own.

The envelope must be a JSON object ``{"events": [...]}``; anything else is one 400 answer.
Inside it every item is validated alone: a malformed item (not an object, a missing field, a
wrong type, a bad date-time) is rejected with its code and message while the others go on to
:func:`regie.attendance.scans.scan_events_record`.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, Literal

import pydantic
from ninja import Router
from pydantic import Field, StrictInt, StrictStr

from regie.api.auth import caller_require
from regie.api.batches import batch_body, body_list
from regie.api.errors import BAD_BATCH, ROLE_REFUSED, ErrorOut
from regie.attendance.scans import (
    MAX_BATCH,
    REJECTED,
    EventInput,
    batch_size_check,
    scan_events_record,
)
from regie.core.errors import DomainError, gettext_noop

router = Router(tags=["scans"])

MAX_ID = 2**63 - 1  # the largest id a database stores

# Local date and time, to the minute; seconds are accepted and dropped; no time zone.
LOCAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?")


class ScanIn(pydantic.BaseModel):
    """One scan as a phone sends it (validated item by item, never the batch as a whole)."""

    client_event_id: StrictStr = Field(
        description="UUID the phone gives the scan and keeps across retries.",
        json_schema_extra={"format": "uuid"},
    )
    token: StrictStr = Field(description="Scan token of the child's card (its QR code).")
    place_id: StrictInt = Field(
        description="Id of the place, from GET /api/v1/places.", ge=1, le=MAX_ID
    )
    at: StrictStr = Field(
        description="Local date and time to the minute, without time zone.",
        examples=["2025-10-01T16:04"],
    )
    direction: StrictStr = Field(json_schema_extra={"enum": ["entry", "exit"]})
    person_id: StrictInt | None = Field(
        default=None,
        description="Optional id of the person who dropped off or picked up.",
        ge=1,
        le=MAX_ID,
    )


FIELDS = tuple(ScanIn.model_fields)
BATCH_BODY = batch_body(
    "events",
    MAX_BATCH,
    ScanIn.model_json_schema(),
    example={
        "events": [
            {
                "client_event_id": "0b7e3f7e-5d2c-4a53-9a3e-8c1f9d1f2a10",
                "token": "the-token-on-the-card",
                "place_id": 1,
                "at": "2025-10-01T16:04",
                "direction": "exit",
            }
        ]
    },
)


# Plain pydantic models: ninja's Schema would run its Django-object hook on every result.
class ScanResultOut(pydantic.BaseModel):
    """The answer to one item, in the order sent; ``index`` is its position in ``events``.

    ``code``/``message`` explain a rejection, or a warning (``warning`` true) on an accepted
    scan or a duplicate.
    """

    index: int
    client_event_id: str | None
    status: Literal["accepted", "duplicate", "rejected"]
    event_id: int | None = None
    warning: bool = False
    code: str = ""
    message: str = ""


class ScanBatchOut(pydantic.BaseModel):
    accepted: int
    duplicates: int
    rejected: int
    warnings: int
    results: list[ScanResultOut]


@router.post(
    "/scans",
    response={
        200: ScanBatchOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        413: ErrorOut,
        500: ErrorOut,
    },
    openapi_extra=BATCH_BODY,
    summary="Send a batch of scans",
)
def scans_post(request):
    """Store a batch of scans; each is accepted, a duplicate of an earlier delivery, or rejected.

    Sending a batch again (or its scans in another order) changes nothing: the client event id
    identifies a scan. An accepted scan that no activity covers is kept with a warning.
    """
    caller = caller_require(request, "scan.record", ROLE_REFUSED)
    raw_events = body_list(request.body, "events", BAD_BATCH)
    batch_size_check(len(raw_events))
    parsed = [parse_item(raw) for raw in raw_events]
    outcomes = iter(
        scan_events_record(
            items=[item for item in parsed if isinstance(item, EventInput)],
            device=caller.device,
            user=caller.user,
        )
    )
    results = []
    for index, (raw, item) in enumerate(zip(raw_events, parsed, strict=True)):
        if isinstance(item, DomainError):
            client_id = raw.get("client_event_id") if isinstance(raw, dict) else None
            results.append(
                {
                    "index": index,
                    "client_event_id": client_id if isinstance(client_id, str) else None,
                    "status": REJECTED,
                    "code": item.code,
                    "message": item.translated(),
                }
            )
        else:
            outcome = next(outcomes)
            results.append(
                {
                    "index": index,
                    "client_event_id": outcome.client_event_id,
                    "status": outcome.status,
                    "event_id": outcome.event_id,
                    "warning": outcome.warning,
                    "code": outcome.code,
                    "message": outcome.message,
                }
            )
    return _summary(results)


def _summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    statuses = [result["status"] for result in results]
    return {
        "accepted": statuses.count("accepted"),
        "duplicates": statuses.count("duplicate"),
        "rejected": statuses.count(REJECTED),
        "warnings": sum(1 for result in results if result.get("warning")),
        "results": results,
    }


def parse_item(raw: Any) -> EventInput | DomainError:
    """Return the scan an item describes, or the error that rejects it."""
    if not isinstance(raw, dict):
        return DomainError(
            "scan.malformed_item",
            gettext_noop("Each event must be a JSON object with the fields %(fields)s."),
            fields=", ".join(FIELDS),
        )
    try:
        item = ScanIn.model_validate(raw)
    except pydantic.ValidationError as invalid:
        return _item_error(invalid, raw)
    at = local_time(item.at)
    if at is None:
        return DomainError(
            "scan.bad_datetime",
            gettext_noop(
                "“%(value)s” is not a local date and time like 2025-10-01T16:04 (to the minute, "
                "without time zone)."
            ),
            value=item.at[:40],
        )
    return EventInput(
        item.client_event_id, item.token, item.place_id, at, item.direction, item.person_id
    )


def local_time(text: str) -> datetime | None:
    """Return the naive date-time of ``2025-10-01T16:04`` (seconds allowed), else None."""
    if not LOCAL_TIME.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:  # 2025-02-30, 25:00...
        return None


def _item_error(invalid: pydantic.ValidationError, raw: dict) -> DomainError:
    problems = invalid.errors(include_url=False)
    missing = [str(p["loc"][0]) for p in problems if p["type"] == "missing"]
    if missing:
        return DomainError(
            "scan.missing_field",
            gettext_noop("This event lacks the field(s) %(fields)s."),
            fields=", ".join(missing),
        )
    field = str(problems[0]["loc"][0])
    return DomainError(
        "scan.bad_value",
        gettext_noop("The field “%(field)s” cannot be %(value)s; see the API schema."),
        field=field,
        value=json.dumps(raw.get(field), ensure_ascii=False)[:40],
    )
