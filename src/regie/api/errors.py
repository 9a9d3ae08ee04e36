"""Errors of the HTTP API: a status, a stable code and a translated message, as JSON."""

from __future__ import annotations

from ninja import Schema

from regie.core.errors import DomainError, gettext_noop


class ErrorOut(Schema):
    """The body of every error answer: ``{"code": "...", "message": "..."}``."""

    code: str
    message: str


class InvalidOut(ErrorOut):
    """A request outside the schema (422): ``detail`` lists each field and why."""

    detail: list[dict] = []


class ApiError(Exception):
    """Refuse a request with ``status`` and a :class:`DomainError` translated at once.

    The message is rendered when the error is raised, inside the caller's language.
    """

    def __init__(self, status: int, error: DomainError) -> None:
        self.status = status
        self.code = error.code
        self.message = error.translated()
        super().__init__(error.english())

    def body(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


UNAUTHENTICATED = DomainError(
    "api.unauthenticated",
    gettext_noop(
        "Authenticate with a device token or an API token (header “Authorization: Bearer "
        "<token>”) or log in with a staff account."
    ),
)
BAD_TOKEN = DomainError(
    "api.bad_token",
    gettext_noop(
        "Unknown device token: it is mistyped or was replaced by a new one. Ask an "
        "administrator for the device's current token."
    ),
)
UNKNOWN_API_TOKEN = DomainError(
    "api.bad_token",
    gettext_noop(
        "Unknown API token: it is mistyped or was deleted. Create a new one on your page "
        "“API tokens” in Regie."
    ),
)
TOKEN_REVOKED = DomainError(
    "api.token_revoked",
    gettext_noop("This API token was revoked. Create a new one on your page “API tokens”."),
)
TOKEN_OWNER_INACTIVE = DomainError(
    "api.token_owner_inactive",
    gettext_noop("The owner of this API token is no longer an active member of its organisation."),
)
DEVICE_INACTIVE = DomainError(
    "api.device_inactive",
    gettext_noop("This device is deactivated; an administrator can reactivate it."),
)
DEVICE_REFUSED = DomainError(
    "api.device_refused",
    gettext_noop(
        "A scanning device may only send scans and read its places; this needs a user's API token."
    ),
)
SERVICE_REFUSED = DomainError(
    "api.service_refused",
    gettext_noop("A service's token may only push and read that service's files."),
)
SERVICE_INACTIVE = DomainError(
    "api.service_inactive",
    gettext_noop("This service is deactivated; the finance officer can reactivate it."),
)
UNKNOWN_SERVICE_TOKEN = DomainError(
    "api.bad_token",
    gettext_noop(
        "Unknown service token: it is mistyped or was replaced by a new one. Ask the finance "
        "officer for the service's current token."
    ),
)
NO_ORGANISATION = DomainError(
    "api.no_organisation",
    gettext_noop("Your account belongs to no active organisation."),
)
ROLE_REFUSED = DomainError(
    "api.role_refused",
    gettext_noop("Your role in this organisation does not allow recording scans."),
)
CSRF_FAILED = DomainError(
    "api.csrf_failed",
    gettext_noop(
        "CSRF check failed: a logged-in browser must send the “X-CSRFToken” header with the "
        "value of its “csrftoken” cookie."
    ),
)
BAD_JSON = DomainError("api.bad_json", gettext_noop("The request body is not valid JSON."))
BAD_BATCH = DomainError(
    "api.bad_batch",
    gettext_noop(
        "The request body must be a JSON object holding the list of scans under “events”: "
        '{"events": [...]}.'
    ),
)
INVALID_REQUEST = DomainError(
    "api.invalid_request",
    gettext_noop("The request does not match the API schema; see /api/v1/docs."),
)
BAD_REQUEST = DomainError(
    "api.bad_request", gettext_noop("The request is malformed and cannot be read.")
)
BODY_TOO_LARGE = DomainError(
    "api.too_large",
    gettext_noop("The request body is too large; send the data in smaller requests."),
)
SERVER_ERROR = DomainError(
    "api.server_error",
    gettext_noop(
        "An unexpected error occurred; nothing was saved. Try again, or tell your administrator."
    ),
)
