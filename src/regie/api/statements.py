"""Bank statements through the API: upload a CODA or camt.053 file, poll its import, list files.

``POST /statements`` checks the file at once (the parser is fast) and answers 422 with the
parser's reason when it is refused; otherwise it starts the same background job as the
back-office upload (:func:`regie.payments.tasks.import_job_start`) and answers 202 with the
job's address. ``GET /jobs/{id}`` reports the job's progress, then what the import did or why
it failed, in the request's language. Importing is idempotent (file digest, movement keys):
sending a file again imports nothing and the job says so.

Importing needs ``finance.edit`` (administrator, finance officer); reading needs
``finance.view``. A scanning device may do neither.
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpResponse
from django.urls import reverse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from regie.api.auth import caller_require
from regie.api.errors import ApiError, ErrorOut, InvalidOut
from regie.core.errors import DomainError, gettext_noop
from regie.core.models import Job
from regie.payments.accounts import file_refusals
from regie.payments.forms import MAX_FILE_BYTES
from regie.payments.imports import ImportResult
from regie.payments.models import StatementFile
from regie.payments.statement_check import check_data
from regie.payments.tasks import KIND_IMPORT, import_job_start, import_summary

router = Router(tags=["bank statements"])

PAGE_SIZE, MAX_PAGE_SIZE = 50, 500
MAX_OFFSET = 2**31 - 1  # beyond it the databases refuse the OFFSET
#: Room for the multipart envelope around the file before the request is refused unread.
ENVELOPE_BYTES = 64 * 1024

IMPORT_REFUSED = DomainError(
    "api.role_refused",
    gettext_noop(
        "Your role in this organisation does not allow importing bank statements "
        "(administrators and finance officers may)."
    ),
)
VIEW_REFUSED = DomainError(
    "api.role_refused",
    gettext_noop("Your role in this organisation does not allow reading bank statements."),
)
NO_FILE = DomainError(
    "statements.no_file",
    gettext_noop(
        "Send the bank file as multipart/form-data in the field “file” (a CODA or camt.053 file)."
    ),
)
TOO_LARGE = DomainError(
    "statements.too_large",
    gettext_noop("The file is larger than %(limit)s MB; split it into smaller files."),
    limit=MAX_FILE_BYTES // (1024 * 1024),
)
JOB_NOT_FOUND = DomainError(
    "api.not_found", gettext_noop("No import job of your organisation has this number.")
)


class StatementOut(Schema):
    """One statement of one account; ``gap``: its old balance does not follow the previous new
    balance of this account (a statement is missing, or came out of order)."""

    account: str
    number: int
    old_balance_cents: int
    old_balance_date: date | None
    new_balance_cents: int
    new_balance_date: date | None
    gap: bool


class FileOut(Schema):
    """An imported bank file, with the movements it added and those already known."""

    id: int
    name: str
    format: str = Field(description="coda or camt053")
    sha256: str
    imported_at: datetime
    imported_by: str | None
    movements_new: int
    movements_known: int
    statements: list[StatementOut]


class PageIn(Schema):
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class FilePageOut(Schema):
    """A page of the imported files; ``count`` is the number of all of them."""

    count: int
    items: list[FileOut]


class CountsOut(Schema):
    """What one import did; amounts in integer cents."""

    new: int = Field(description="movements imported now")
    known: int = Field(description="movements imported earlier (an overlapping file)")
    accepted: int = Field(description="received amounts matched to an invoice or a prepayment")
    rejected: int = Field(description="received amounts left on the suspense account to correct")
    accepted_cents: int
    rejected_cents: int


class ImportOut(Schema):
    """The outcome of a finished import."""

    already_imported: bool = Field(
        description="the same file (same SHA-256) was imported before: nothing was imported"
    )
    message: str = Field(description="what the import did, in the request's language")
    counts: CountsOut
    balance_breaks: list[str] = Field(
        description="statements (account #number) whose old balance does not follow the "
        "previous new balance of their account"
    )
    file: FileOut | None = Field(
        description="the file imported (the earlier one when already imported)"
    )


class JobOut(Schema):
    """A background import: queued, running, done (``result``) or failed (``error``)."""

    id: int
    status: str = Field(json_schema_extra={"enum": [s.value for s in Job.Status]})
    done: int = Field(description="movements handled so far")
    total: int = Field(description="movements of the file (0 until the file is read)")
    percent: int
    finished: bool
    url: str = Field(description="where to poll this job")
    created_at: datetime
    finished_at: datetime | None
    result: ImportOut | None = None
    error: ErrorOut | None = None


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "A CODA file (.cod) or a camt.053 statement (.xml), "
                            f"at most {MAX_FILE_BYTES // (1024 * 1024)} MB.",
                        }
                    },
                }
            }
        },
    }
}


@router.post(
    "/statements",
    response={
        202: JobOut,
        401: ErrorOut,
        403: ErrorOut,
        413: ErrorOut,
        422: ErrorOut,
    },
    openapi_extra=UPLOAD_BODY,
    summary="Import a bank statement file",
)
def statements_post(request, response: HttpResponse):
    """Check a CODA or camt.053 file and start its import; poll the job at its ``url``.

    A file the parser refuses is answered 422 at once with the reason. Sending a file again is
    harmless: its job reports ``already_imported`` and imports nothing; a file overlapping an
    earlier one imports only the movements not seen yet.
    """
    caller = caller_require(request, "finance.edit", IMPORT_REFUSED)
    if _declared_length(request) > MAX_FILE_BYTES + ENVELOPE_BYTES:
        raise ApiError(413, TOO_LARGE)
    _utf8_part_headers(request)
    upload = request.FILES.get("file")
    if upload is None:
        raise ApiError(422, NO_FILE)
    if upload.size > MAX_FILE_BYTES:
        raise ApiError(413, TOO_LARGE)
    data = upload.read()
    name = (upload.name or "statement")[:200]
    if refusals := file_refusals(check_data(data, name)):
        raise ApiError(422, refusals[0])
    job = import_job_start(organisation=caller.organisation, user=caller.user, name=name, data=data)
    response["Location"] = _job_url(job)
    return Status(202, _job(job))


@router.get(
    "/jobs/{job_id}",
    response={200: JobOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: InvalidOut},
    summary="Progress and outcome of an import",
)
def job_get(request, job_id: int):
    """Return an import job: its progress, then what it imported or why it failed."""
    caller_require(request, "finance.view", VIEW_REFUSED)
    job = Job.objects.filter(pk=job_id, kind=KIND_IMPORT).first()
    if job is None:
        raise ApiError(404, JOB_NOT_FOUND)
    return _job(job)


@router.get(
    "/statements",
    response={200: FilePageOut, 401: ErrorOut, 403: ErrorOut, 422: InvalidOut},
    summary="Imported bank files",
)
def statements_list(request, page: Query[PageIn]):
    """List the imported bank files, the latest first, with their statements."""
    caller_require(request, "finance.view", VIEW_REFUSED)
    files = StatementFile.objects.select_related("imported_by")
    chosen = files.prefetch_related("statements")[page.offset : page.offset + page.limit]
    return {"count": files.count(), "items": [_file(file) for file in chosen]}


def _utf8_part_headers(request) -> None:
    """Re-encode in UTF-8 the part headers a client wrote in latin-1 (a file name with an
    accent), which Django's parser would otherwise skip, losing the file."""
    if not request.content_type.startswith("multipart/"):
        return
    lines = request.body.split(b"\r\n")
    for index, line in enumerate(lines):
        if line[:20].lower() == b"content-disposition:":
            try:
                line.decode()
            except UnicodeDecodeError:
                lines[index] = line.decode("latin-1").encode()
    request._body = b"\r\n".join(lines)  # what Django parses the files from


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _job_url(job: Job) -> str:
    return reverse("api-v1:job_get", kwargs={"job_id": job.pk})


def _job(job: Job) -> dict:
    answer = {
        "id": job.pk,
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "finished": job.finished,
        "url": _job_url(job),
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }
    if job.status == Job.Status.DONE:
        answer["result"] = _outcome(job.result)
    elif job.status == Job.Status.FAILED:
        stored = job.result.get("error")
        error = DomainError.from_dict(stored) if stored else None
        answer["error"] = (
            {"code": error.code, "message": error.translated()}
            if error
            else {"code": "job.failed", "message": job.error}
        )
    return answer


def _outcome(stored: dict) -> dict:
    """Return a finished import's outcome, its message in the active language."""
    counts = stored.get("counts", {})
    file = (
        StatementFile.objects.select_related("imported_by").filter(pk=stored.get("file_id")).first()
    )
    result = ImportResult(
        file=file,
        already_imported=counts.get("already_imported", False),
        **{key: counts.get(key, 0) for key in CountsOut.model_fields},
        gaps=counts.get("gaps", []),
    )
    return {
        "already_imported": result.already_imported,
        "message": import_summary(result) if file else stored.get("summary", ""),
        "counts": {key: getattr(result, key) for key in CountsOut.model_fields},
        "balance_breaks": result.gaps,
        "file": _file(file) if file else None,
    }


def _file(file: StatementFile) -> dict:
    """Return a file and its statements as plain data (read inside the organisation's scope)."""
    return {
        "id": file.pk,
        "name": file.name,
        "format": file.format,
        "sha256": file.sha256,
        "imported_at": file.imported_at,
        "imported_by": file.imported_by.get_username() if file.imported_by else None,
        "movements_new": file.movements_new,
        "movements_known": file.movements_known,
        "statements": [
            {field: getattr(statement, field) for field in StatementOut.model_fields}
            for statement in file.statements.all()
        ],
    }
