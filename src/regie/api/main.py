"""The HTTP API, version 1 (django-ninja): authentication, error answers, operations.

Every operation needs a device token, a user's API token or a staff session
(:mod:`regie.api.auth`) and runs in the caller's organisation. Errors answer
``{"code": ..., "message": ...}`` with a stable code and a message in the caller's language.
The OpenAPI schema is at ``/api/v1/openapi.json`` and the interactive documentation at
``/api/v1/docs``.
"""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DataError
from ninja.errors import AuthenticationError, HttpError, ValidationError

from regie.api import context, files, files_batch, scans, statements
from regie.api.auth import BearerToken, StaffSession, in_caller_scope
from regie.api.errors import (
    BAD_JSON,
    BAD_REQUEST,
    BODY_TOO_LARGE,
    INVALID_REQUEST,
    SERVER_ERROR,
    UNAUTHENTICATED,
    ApiError,
)
from regie.api.openapi import DocumentedAPI
from regie.core.badinput import TOO_LARGE_NUMBER
from regie.scanning import api as scanning_api

logger = logging.getLogger(__name__)

api = DocumentedAPI(
    title="Regie API",
    version="1",
    description=(
        "Scans from phones and what a phone needs to configure itself; bank statement "
        "imports for finance integrations; files of other services pushed by their systems "
        "(docs/api.md, docs/services.md)."
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
api.add_router("/", files_batch.router)  # before /files/{external_id}: "batch" is no file id
api.add_router("/", files.router)


@api.exception_handler(ApiError)
def api_error(request, error: ApiError):
    return api.create_response(request, error.body(), status=error.status)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, error: AuthenticationError):
    response = api_error(request, ApiError(401, UNAUTHENTICATED))
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def unreadable_body(request, error: HttpError):
    """A JSON body django-ninja cannot parse (operations with a schema body): not JSON."""
    return api_error(request, ApiError(error.status_code, BAD_JSON))


@api.exception_handler(ValidationError)
def invalid_request(request, error: ValidationError):
    body = ApiError(422, INVALID_REQUEST).body() | {"detail": error.errors}
    return api.create_response(request, body, status=422)


@api.exception_handler(RequestDataTooBig)
def body_too_large(request, error: RequestDataTooBig):
    return api_error(request, ApiError(413, BODY_TOO_LARGE))


@api.exception_handler(SuspiciousOperation)
def bad_request(request, error: SuspiciousOperation):
    return api_error(request, ApiError(400, BAD_REQUEST))


@api.exception_handler(RecursionError)
def too_deep(request, error: RecursionError):
    """JSON nested beyond Python's recursion limit is no JSON Regie reads."""
    return api_error(request, ApiError(400, BAD_JSON))


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def out_of_range(request, error: Exception):
    """A number beyond what the database stores (an id or an offset of 30 digits)."""
    return api_error(request, ApiError(400, TOO_LARGE_NUMBER))


@api.exception_handler(Exception)
def server_error(request, error: Exception):
    """Any other failure: logged with its traceback, answered without it (DEBUG or not)."""
    logger.exception("API %s %s failed", request.method, request.path)
    return api_error(request, ApiError(500, SERVER_ERROR))
