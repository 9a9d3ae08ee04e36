"""The organisation's administrator manages its members: invite, change the role, deactivate.

No platform superuser is needed. An invitation creates the user (inactive, no password) and
its membership, and e-mails a single-use link that expires after :data:`INVITATION_DAYS`
days; following it, the user chooses a password and the account becomes active. A user who
already has an account is simply added. Every change is written to the audit log. An
organisation always keeps one active administrator.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from regie.core.errors import DomainError, gettext_noop
from regie.core.models import AuditLog, Invitation, Membership, Role, User, secret_hash, secret_new

INVITATION_DAYS = 7


def _audit(*, by: User, action: str, membership: Membership, detail: str) -> None:
    AuditLog.objects.create(
        user=by,
        action=action,
        model=Membership._meta.label,
        object_id=str(membership.pk),
        detail=detail[:200],
    )


def _refuse_last_administrator(membership: Membership) -> None:
    others = Membership.objects.filter(
        organisation_id=membership.organisation_id, role=Role.ADMINISTRATOR, is_active=True
    ).exclude(pk=membership.pk)
    if membership.role == Role.ADMINISTRATOR and membership.is_active and not others.exists():
        raise DomainError(
            "members.last_administrator",
            gettext_noop(
                "%(user)s is the organisation's only administrator: make someone else "
                "administrator first."
            ),
            user=membership.user.get_full_name() or membership.user.email,
        )


@transaction.atomic
def member_invite(
    *, organisation, email: str, role: str, first_name: str, last_name: str, by: User, base_url: str
) -> Membership:
    """Add ``email`` to ``organisation`` with ``role``; e-mail a link to set a password if new.

    ``base_url`` is the site's address (``https://regie.example.be``) the link starts with.
    """
    email = User.objects.normalize_email(email).strip().lower()
    if role not in Role.values:
        raise DomainError("members.role", gettext_noop("Unknown role: %(role)s."), role=role)
    user = User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).first()
    if user is None:
        user = User(username=email, email=email, first_name=first_name, last_name=last_name)
        user.set_unusable_password()
        user.is_active = False
        user.save()
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, defaults={"role": role}
    )
    if not created and membership.is_active:
        raise DomainError(
            "members.already",
            gettext_noop("%(email)s is already a member of the organisation."),
            email=email,
        )
    membership.role, membership.is_active = role, True
    membership.save()
    _audit(by=by, action=AuditLog.Action.MEMBER_INVITE, membership=membership, detail=email)
    secret = _invitation(membership, by) if not user.has_usable_password() else None
    _mail(membership, secret, base_url)
    return membership


def _invitation(membership: Membership, by: User) -> str:
    secret, token_hash = secret_new(Invitation.PREFIX)
    Invitation.objects.filter(membership=membership, used_at__isnull=True).update(
        expires_at=timezone.now()
    )
    Invitation.objects.create(
        membership=membership,
        token_hash=token_hash,
        created_by=by,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    return secret


def _mail(membership: Membership, secret: str | None, base_url: str) -> None:
    user, organisation = membership.user, membership.organisation
    with translation.override(user.language or organisation.language):
        values = {
            "organisation": organisation.name,
            "role": membership.get_role_display(),
            "days": INVITATION_DAYS,
        }
        if secret:
            link = base_url.rstrip("/") + reverse("invitation", args=[secret])
            body = _(
                "You are invited to Regie as %(role)s of %(organisation)s.\n\n"
                "Choose your password with this link (usable once, for %(days)s days):\n"
                "%(link)s\n"
            ) % {**values, "link": link}
        else:
            link = base_url.rstrip("/") + reverse("login")
            body = _(
                "You are now %(role)s of %(organisation)s in Regie. Log in with your usual "
                "account: %(link)s\n"
            ) % {**values, "link": link}
        subject = _("Regie: your access to %(organisation)s") % values
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except OSError as error:
        raise DomainError(
            "members.mail",
            gettext_noop(
                "The mail server did not answer; nothing was saved. Try again later or ask "
                "the platform's administrator to check the mail settings."
            ),
        ) from error


def invitation_find(secret: str) -> Invitation:
    """Return the open invitation of ``secret``, or raise ``members.invitation``."""
    invitation = (
        Invitation.unscoped_objects.select_related("membership__user", "membership__organisation")
        .filter(token_hash=secret_hash(secret))
        .first()
    )
    if invitation is None or invitation.used_at or invitation.expires_at <= timezone.now():
        raise DomainError(
            "members.invitation",
            gettext_noop(
                "This invitation link is not valid any more (already used or expired). Ask "
                "your administrator to invite you again."
            ),
        )
    return invitation


@transaction.atomic
def invitation_accept(*, secret: str, password: str) -> User:
    """Set the invited user's password, activate the account and close the invitation."""
    invitation = invitation_find(secret)
    Invitation.unscoped_objects.select_for_update().filter(pk=invitation.pk).get()
    user = invitation.membership.user
    user.set_password(password)
    user.is_active = True
    user.save()
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    AuditLog.unscoped_objects.create(
        organisation_id=invitation.organisation_id,
        user=user,
        action=AuditLog.Action.MEMBER_JOIN,
        model=Membership._meta.label,
        object_id=str(invitation.membership_id),
        detail=user.email,
    )
    return user


@transaction.atomic
def member_set_role(*, membership: Membership, role: str, by: User) -> Membership:
    """Change a member's role; the organisation keeps at least one administrator."""
    if role not in Role.values:
        raise DomainError("members.role", gettext_noop("Unknown role: %(role)s."), role=role)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if role == membership.role:
        return membership
    if role != Role.ADMINISTRATOR:
        _refuse_last_administrator(membership)
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    _audit(
        by=by,
        action=AuditLog.Action.MEMBER_ROLE,
        membership=membership,
        detail=f"{membership.user.username}: {before} → {role}",
    )
    return membership


@transaction.atomic
def member_set_active(*, membership: Membership, active: bool, by: User) -> Membership:
    """Deactivate (or reactivate) a member: a deactivated member cannot work in the organisation."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.is_active == active:
        return membership
    if not active:
        if membership.user_id == by.pk:
            raise DomainError(
                "members.self", gettext_noop("You cannot deactivate your own membership.")
            )
        _refuse_last_administrator(membership)
    membership.is_active = active
    membership.save(update_fields=["is_active"])
    action = AuditLog.Action.MEMBER_ON if active else AuditLog.Action.MEMBER_OFF
    _audit(by=by, action=action, membership=membership, detail=membership.user.username)
    return membership
