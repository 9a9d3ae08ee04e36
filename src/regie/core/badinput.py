"""Bad input never gives a 500: it is refused with a 400 page (or JSON under ``/api/``) saying
what is wrong, in the user's language.

:class:`BadInputMiddleware` refuses a NUL character in any query or form value before a view
sees it (PostgreSQL text cannot hold one, and no screen expects one), and turns a
:class:`BadInput` raised by a view (see :func:`id_param`) or a number too large for the
database into the same answer. The API reads its JSON bodies itself: see ``regie.api.main``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import JsonResponse
from django.shortcuts import render

from regie.core.errors import DomainError, gettext_noop

NUL = "\x00"
MAX_ID = 2**63 - 1  # the largest id a database stores

NUL_REFUSED = DomainError(
    "request.nul",
    gettext_noop(
        "The request holds a NUL character (code 0), which no field accepts. Retype the text "
        "without it."
    ),
)
TOO_LARGE_NUMBER = DomainError(
    "request.number_too_large",
    gettext_noop("A number of the request is larger than any Regie stores."),
)


class BadInput(Exception):
    """Refuse the request with a 400 answer carrying ``error``'s translated message."""

    def __init__(self, error: DomainError) -> None:
        self.error = error
        super().__init__(error.english())


def id_param(value: str | None, name: str) -> int | None:
    """Return the record number ``value`` of the parameter ``name``, None when empty.

    >>> id_param("12", "site"), id_param("", "site")
    (12, None)
    >>> id_param("abc", "site")
    Traceback (most recent call last):
    ...
    regie.core.badinput.BadInput: The filter “site” expects a number, not “abc”.
    """
    if value is None or value == "":
        return None
    text = str(value)
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ID:
        raise BadInput(
            DomainError(
                "request.not_a_number",
                gettext_noop("The filter “%(name)s” expects a number, not “%(value)s”."),
                name=name,
                value=text[:40],
            )
        )
    return int(text)


def ids_param(values: Iterable[str], name: str) -> list[int]:
    """Return the record numbers of a repeated parameter (ticked boxes), refusing bad ones."""
    return [number for value in values if (number := id_param(value, name)) is not None]


def has_nul(data) -> bool:
    """Return whether a QueryDict holds a NUL character in a key or a value."""
    return any(NUL in key or any(NUL in v for v in data.getlist(key)) for key in data)


def refused(request, error: DomainError):
    """Return the 400 answer to a bad request: JSON for the API, else the error page."""
    message = error.translated()
    if request.path.startswith("/api/"):
        return JsonResponse({"code": error.code, "message": message}, status=400)
    return render(request, "400.html", {"message": message}, status=400)


class BadInputMiddleware:
    """Refuse NUL characters in query and form values; answer :class:`BadInput` with a 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_nul(request.GET):
            return refused(request, NUL_REFUSED)
        # The API's bodies are JSON or files, read (and checked) by the API itself.
        form = request.method == "POST" and not request.path.startswith("/api/")
        if form and has_nul(request.POST):
            return refused(request, NUL_REFUSED)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, BadInput):
            return refused(request, exception.error)
        if isinstance(exception, OverflowError):  # a 30-digit id reaching SQLite
            return refused(request, TOO_LARGE_NUMBER)
        return None
