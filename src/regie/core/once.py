"""Forms that create money are recorded once, whatever the double clicks, replays and tabs.

The form carries a one-time token (``{% load once %}{% once_field %}``, a new UUID each time
the form is shown). The view writes inside one transaction that first consumes the token::

    try:
        with transaction.atomic():
            submission = once_begin(request)
            payment = payment_create(...)
            once_done(submission, reverse("payments:payment-detail", args=[payment.pk]))
    except AlreadySubmitted as first:
        return once_answer(request, first, fallback=...)

Consuming inserts a :class:`~regie.core.models.Submission` whose token is unique per
organisation: a second submission of the same form waits for the first one's transaction
and is refused by the database when it committed, then answered with the first one's result
("already recorded"); when the first one failed (rolled back), the second one goes on.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.db import IntegrityError, transaction
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


def once_begin(request) -> Submission:
    """Consume the form's token inside the caller's transaction, or raise.

    Raises :class:`AlreadySubmitted` when the token was consumed already, and the
    DomainError :data:`NO_TOKEN` when the form carries none (an old page, a forged request).
    """
    try:
        token = uuid.UUID(request.POST.get(FIELD, ""))
    except ValueError:
        raise NO_TOKEN from None
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
