"""Create, revoke and resolve the API tokens of users (see :class:`~regie.core.models.ApiToken`).

A token belongs to a user and one organisation and acts as that user there: whatever the
user's role in the organisation allows at the time of each request. The secret is returned
once by :func:`api_token_create`; only its SHA-256 is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from regie.core.errors import DomainError, gettext_noop
from regie.core.models import ApiToken, Membership, Organisation, User
from regie.core.tenancy import scope

#: ``last_used_at`` is written at most this often per token (a job is polled every second).
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class TokenOwner:
    """Who a valid token acts as: the user, their organisation and their current role."""

    token: ApiToken
    user: User
    organisation: Organisation
    role: str


def api_token_create(*, user: User, organisation: Organisation, name: str) -> tuple[ApiToken, str]:
    """Create a token of ``user`` in ``organisation``; return it with its secret (shown once)."""
    if not Membership.objects.filter(user=user, organisation=organisation, is_active=True).exists():
        raise DomainError(
            "api_token.not_a_member",
            gettext_noop("%(user)s is not an active member of %(organisation)s."),
            user=user.get_username(),
            organisation=organisation.name,
        )
    token = ApiToken(user=user, organisation=organisation, name=name.strip()[:100] or "API")
    secret = token.new_secret()
    with scope(organisation):
        token.save()
    return token, secret


def api_token_revoke(token: ApiToken) -> None:
    """Revoke ``token`` at once (a revoked token stays listed, and cannot be restored)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        ApiToken.unscoped_objects.filter(pk=token.pk, revoked_at=None).update(
            revoked_at=token.revoked_at
        )


def api_token_owner(secret: str) -> TokenOwner | ApiToken | None:
    """Return who the secret acts as; the token alone when it is revoked or its user no
    longer an active member (nor an active account); None when no token has this secret."""
    token = (
        ApiToken.unscoped_objects.select_related("user", "organisation")
        .filter(token_hash=ApiToken.hash_token(secret))
        .first()
    )
    if token is None:
        return None
    if token.revoked_at is not None or not token.user.is_active:
        return token
    role = (
        Membership.objects.filter(
            user_id=token.user_id, organisation_id=token.organisation_id, is_active=True
        )
        .values_list("role", flat=True)
        .first()
    )
    if role is None:
        return token
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.unscoped_objects.filter(pk=token.pk).update(last_used_at=now)
    return TokenOwner(token, token.user, token.organisation, role)
