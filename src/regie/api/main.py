"""The HTTP API, version 1 (django-ninja): authentication, error answers, operations.

Every operation needs a device token, a user's API token or a staff session
(:mod:`regie.api.auth`) and runs in the caller's organisation. Errors answer
``{"code": ..., "message": ...}`` with a stable code and a message in the caller's language.
The OpenAPI schema is at ``/api/v1/openapi.json`` and the interactive documentation at
``/api/v1/docs``.
"""

from __future__ import annotations

from ninja.errors import AuthenticationError, ValidationError

from regie.api import context, scans, statements
from regie.api.auth import BearerToken, StaffSession, in_caller_scope
from regie.api.errors import INVALID_REQUEST, UNAUTHENTICATED, ApiError
from regie.api.openapi import DocumentedAPI
from regie.scanning import api as scanning_api

api = DocumentedAPI(
    title="Regie API",
    version="1",
    description=(
        "Scans from phones and what a phone needs to configure itself; bank statement "
        "imports for finance integrations (docs/api.md)."
    ),
    urls_namespace="api-v1",
    auth=[BearerToken(), StaffSession()],
    docs_url="/docs",
)
api.add_decorator(in_caller_scope)
api.add_router("/", scans.router)
api.add_router("/", context.router)
api.add_router("/", statements.router)
api.add_router("/", scanning_api.router)


@api.exception_handler(ApiError)
def api_error(request, error: ApiError):
    return api.create_response(request, error.body(), status=error.status)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, error: AuthenticationError):
    response = api_error(request, ApiError(401, UNAUTHENTICATED))
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(ValidationError)
def invalid_request(request, error: ValidationError):
    body = ApiError(422, INVALID_REQUEST).body() | {"detail": error.errors}
    return api.create_response(request, body, status=422)
