"""``POST /api/v1/files/batch``: many files pushed at once, each answered as a single push.

The body is ``{"files": [...]}``, at most :data:`regie.fees.batch.MAX_FILES` files, each what
``POST /files`` takes. Every file is validated, pushed and answered on its own, in order:
``created`` (201 alone), ``unchanged`` (the same push again: 200 alone) or ``refused`` with
the code, message and status a single push would get (422 outside the schema, 409 a different
file under a known id, 400 a refusal of the file's content). A refused file never stops the
others; the batch itself is refused whole only when it is no batch (not JSON, no list under
``files``, too many files) or the token may not push.
"""

from __future__ import annotations

from typing import Any, Literal

import pydantic
from ninja import Router

from regie.api.batches import batch_body, body_list
from regie.api.errors import INVALID_REQUEST, ApiError, ErrorOut
from regie.api.files import (
    FileIn,
    FileOut,
    caller_service,
    file_data,
    file_out,
    holds_nul,
    refusal_status,
)
from regie.core.badinput import NUL_REFUSED
from regie.core.errors import DomainError, gettext_noop
from regie.fees.batch import BATCH_TOO_LARGE, MAX_FILES, files_push
from regie.fees.services import Outcome

router = Router(tags=["service files"])

BAD_FILES_BATCH = DomainError(
    "api.bad_files_batch",
    gettext_noop(
        "The request body must be a JSON object holding the list of files under “files”: "
        '{"files": [...]}.'
    ),
)
BATCH_BODY = batch_body("files", MAX_FILES, {"$ref": "#/components/schemas/FileIn"})
STATUS = {Outcome.CREATED: ("created", 201), Outcome.UNCHANGED: ("unchanged", 200)}


class FileResultOut(pydantic.BaseModel):
    """The answer to one file, in the order sent; ``index`` is its position in ``files``.

    ``http_status`` is what the file alone would have been answered (``POST /files``);
    ``file`` is the file as Regie holds it (absent when refused); ``code`` and ``message``
    name a refusal, ``detail`` lists the fields outside the schema.
    """

    index: int
    external_id: str | None
    status: Literal["created", "unchanged", "refused"]
    http_status: int
    file: FileOut | None = None
    code: str = ""
    message: str = ""
    detail: list[dict] = []


class FileBatchOut(pydantic.BaseModel):
    created: int
    unchanged: int
    refused: int
    results: list[FileResultOut]


@router.post(
    "/files/batch",
    response={200: FileBatchOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 413: ErrorOut},
    openapi_extra=BATCH_BODY,
    summary="Push a batch of files",
)
def files_batch_post(request):
    """Push up to 500 files at once; each is created, unchanged or refused on its own.

    Sending a batch again changes nothing: every file answers ``unchanged``. A file refused
    (its own reason and ``http_status``) leaves the others pushed.
    """
    service = caller_service(request)
    raw_files = body_list(request.body, "files", BAD_FILES_BATCH)
    if len(raw_files) > MAX_FILES:
        raise ApiError(400, BATCH_TOO_LARGE)
    parsed = [_parse(raw) for raw in raw_files]
    valid = [item for item in parsed if isinstance(item, FileIn)]
    pushed = iter(
        files_push(
            service=service,
            files=[file_data(service, item.external_id, item) for item in valid],
        )
    )
    results = []
    for index, (raw, item) in enumerate(zip(raw_files, parsed, strict=True)):
        external_id = raw.get("external_id") if isinstance(raw, dict) else None
        result: dict[str, Any] = {
            "index": index,
            "external_id": external_id if isinstance(external_id, str) else None,
        }
        if isinstance(item, DomainError):  # a NUL character, which no field holds
            result |= {"status": "refused", "http_status": 400, **_refusal(item)}
        elif not isinstance(item, FileIn):
            result |= {"status": "refused", "http_status": 422, **_refusal(INVALID_REQUEST)}
            result["detail"] = item
        elif (outcome := next(pushed)).error is not None:
            status = refusal_status(outcome.error)
            result |= {"status": "refused", "http_status": status, **_refusal(outcome.error)}
        else:
            status, http_status = STATUS[outcome.outcome]
            result |= {"status": status, "http_status": http_status}
            result["file"] = file_out(request, outcome.file)
        results.append(result)
    statuses = [result["status"] for result in results]
    return {
        "created": statuses.count("created"),
        "unchanged": statuses.count("unchanged"),
        "refused": statuses.count("refused"),
        "results": results,
    }


def _parse(raw: Any) -> FileIn | list[dict] | DomainError:
    """Return the file an item describes, the fields outside the schema, or the refusal of a
    NUL character (which PostgreSQL would refuse while writing the whole batch)."""
    try:
        item = FileIn.model_validate(raw)
    except pydantic.ValidationError as invalid:
        return [
            {"loc": list(problem["loc"]), "msg": problem["msg"], "type": problem["type"]}
            for problem in invalid.errors(include_url=False)
        ]
    return NUL_REFUSED if holds_nul(raw) else item


def _refusal(error: DomainError) -> dict[str, str]:
    return {"code": error.code, "message": error.translated()}
