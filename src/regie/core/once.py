"""Forms that create or move money are recorded once, whatever the double clicks, replays and tabs.

The form carries a one-time token (``{% load once %}{% once_field %}``, a new UUID each time
the form is shown) and its view is decorated with :func:`once_view` (a class-based view
mixes in :class:`OnceMixin`)::

    @once_view(when=lambda request: "create" in request.POST)
    def run_new(request): ...

The decorator runs the view's POST inside one transaction that first consumes the token:
it inserts a :class:`~regie.core.models.Submission` whose token is unique per organisation.
A second submission of the same form waits for the first one's transaction and is refused
by the database when it committed; it is then answered with the first one's result (where
its redirect led, with "already recorded"). When the first one failed, the token was not
used up and the second one goes on.

The view's answer is a success when it redirects without an error message
(``messages.error``); anything else (the form shown again with its errors, a refusal
redirected with an error message) rolls the token back, so the corrected form can be sent
with it. A POST without a valid token (a page shown before the token existed, a forged
request) writes nothing: the view is answered as a GET (the form or the page the action
belongs to, with a fresh token) with the message "this form is out of date".
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.http.response import HttpResponseRedirectBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from regie.core.errors import DomainError, gettext_noop
from regie.core.models import Submission

FIELD = "once"

NO_TOKEN = DomainError(
    "forms.no_token",
    gettext_noop("This form is out of date: it was shown again, check it and submit it again."),
)


class AlreadySubmitted(Exception):
    """The form's token was consumed by an earlier submission, which recorded ``url``."""

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(url)


class _Refused(Exception):
    """The view answered without recording anything: give the token back (roll back)."""

    def __init__(self, response) -> None:
        self.response = response
        super().__init__()


def form_token(request) -> uuid.UUID | None:
    """Return the token the posted form carries, or None (none, or not a token)."""
    try:
        return uuid.UUID(request.POST.get(FIELD, ""))
    except ValueError:
        return None


def once_begin(request) -> Submission:
    """Consume the form's token inside the caller's transaction, or raise.

    Raises :class:`AlreadySubmitted` when the token was consumed already, and the
    DomainError :data:`NO_TOKEN` when the form carries none. (:func:`once_view` calls it;
    a view calls it itself only when the decorator does not fit.)
    """
    token = form_token(request)
    if token is None:
        raise NO_TOKEN
    user = request.user if request.user.is_authenticated else None
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction stays usable
            return Submission.objects.create(token=token, user=user)
    except IntegrityError:
        first = Submission.objects.filter(token=token).values_list("result_url", flat=True)
        raise AlreadySubmitted(first.first() or "") from None


def once_done(submission: Submission, url: str) -> None:
    """Remember where the result of the submission is shown (for a repeated submission)."""
    Submission.objects.filter(pk=submission.pk).update(result_url=url[:200])


def once_answer(request, first: AlreadySubmitted, *, fallback: str):
    """Answer a repeated submission: the first one's result, and say it was recorded once."""
    messages.info(request, _("This form was already submitted; it was recorded once, here."))
    return redirect(first.url or fallback)


def _error_messages(request) -> int:
    # Django's message storage keeps the messages added during the request in
    # ``_queued_messages`` until the response is sent; reading them does not mark them seen.
    queued = getattr(getattr(request, "_messages", None), "_queued_messages", ())
    return sum(1 for message in queued if message.level >= messages.ERROR)


def _succeeded(request, response, errors_before: int) -> bool:
    redirected = isinstance(response, HttpResponseRedirectBase)
    return redirected and _error_messages(request) == errors_before


def _shown_again(view, request, *args, say: bool = True, **kwargs):
    """Answer a POST that may not write as a GET of the same address (saying why)."""
    if say:
        messages.error(request, NO_TOKEN.translated())
    request.method = "GET"
    request.POST = QueryDict()
    return view(request, *args, **kwargs)


def _submit_once(view, request, *args, **kwargs):
    errors_before = _error_messages(request)
    try:
        with transaction.atomic():  # the token is consumed with the writes it allows
            submission = once_begin(request)
            response = view(request, *args, **kwargs)
            if not _succeeded(request, response, errors_before):
                raise _Refused(response)
            once_done(submission, response["Location"])
    except _Refused as refused:
        return refused.response
    except AlreadySubmitted as first:
        return once_answer(request, first, fallback=request.get_full_path())
    return response


def once_view(view=None, *, when: Callable[..., bool] | None = None):
    """Decorate a view whose POST creates or moves money: each form token records once.

    ``when(request)`` says which POSTs write (e.g. not a "preview" button); the others run
    as they are. Use as ``@once_view`` or ``@once_view(when=...)``.
    """
    if view is None:
        return functools.partial(once_view, when=when)

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method != "POST" or (when is not None and not when(request)):
            return view(request, *args, **kwargs)
        if getattr(request, "organisation", None) is None:  # a user of no organisation
            return _shown_again(view, request, *args, say=False, **kwargs)
        if form_token(request) is None:
            return _shown_again(view, request, *args, **kwargs)
        return _submit_once(view, request, *args, **kwargs)

    return wrapped


class OnceMixin:
    """:func:`once_view` for a class-based view (put it after the permission mixins)."""

    once_when: Callable[..., bool] | None = None

    def dispatch(self, request, *args, **kwargs):
        when = type(self).once_when
        return once_view(super().dispatch, when=when)(request, *args, **kwargs)
