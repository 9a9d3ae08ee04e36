"""Second factor: enrolment, verification, recovery codes and resets (the only writers).

The factor is a TOTP authenticator (django-otp's ``TOTPDevice``) with ten single-use
recovery codes (django-otp's ``StaticDevice``). Every step is written to the audit log of
each organisation the user belongs to (a reset: of the organisation whose administrator did it).
"""

from __future__ import annotations

from base64 import b32encode
from collections.abc import Sequence

from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from regie.core.errors import DomainError, gettext_noop
from regie.core.models import AuditLog, Membership, Organisation, Role, User
from regie.core.tenancy import scope
from regie.security import recovery

RECOVERY_CODES = 10
AUTHENTICATOR = "authenticator"
RECOVERY = "recovery"
Action = AuditLog.Action


def audit_second_factor(
    *, actor: User, user: User, action: str, detail: str = "", organisation=None
) -> None:
    """Write ``action`` about ``user``'s factor in ``organisation``'s audit log, or in each
    of the user's organisations."""
    if organisation is not None:
        organisations = [organisation]
    else:
        organisations = Organisation.objects.filter(
            memberships__user=user, memberships__is_active=True
        )
    for org in organisations:
        with scope(org):
            AuditLog.objects.create(
                user=actor,
                action=action,
                model=User._meta.label,
                object_id=str(user.pk),
                detail=(detail or user.get_username())[:200],
            )


def confirmed_device(user: User) -> TOTPDevice | None:
    """Return the user's confirmed authenticator, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user: User) -> bool:
    return confirmed_device(user) is not None


def second_factor_start(*, user: User) -> TOTPDevice:
    """Return the authenticator being set up (created with a new secret the first time).

    Refused when the user already has a confirmed one: an administrator resets it first.
    """
    if has_second_factor(user):
        raise DomainError(
            "security.already_enrolled",
            gettext_noop("A second factor is already set up for this account."),
        )
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)


def manual_key_text(device: TOTPDevice) -> str:
    """Return the secret in base32, in groups of four, for typing into an app by hand."""
    key = b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _new_recovery_codes(user: User, codes: Sequence[str] | None = None) -> list[str]:
    """Replace the user's recovery codes; return them (kept only as digests)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY, confirmed=True)
    shown = list(codes or ())
    while len(shown) < RECOVERY_CODES:
        if (code := recovery.new_code()) not in shown:
            shown.append(code)
    recovery.codes_store(device, [clean_code(code) for code in shown])
    return shown


@transaction.atomic
def second_factor_confirm(
    *, user: User, code: str, recovery_codes: Sequence[str] | None = None
) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator being set up with a ``code`` it shows; return it and the
    new recovery codes (shown once, kept as digests). ``recovery_codes`` gives them instead of
    new random ones (the demo's, which it prints)."""
    device = second_factor_start(user=user)
    if not device.verify_token(clean_code(code)):
        raise DomainError(
            "security.wrong_enrolment_code",
            gettext_noop(
                "This code does not match: check the time of your phone and type the code "
                "the app shows now."
            ),
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user, recovery_codes)
    audit_second_factor(actor=user, user=user, action=Action.SECOND_FACTOR_ENROL)
    return device, codes


@transaction.atomic
def second_factor_new_recovery_codes(*, user: User) -> list[str]:
    """Replace the user's recovery codes by ten new ones (the old ones stop working)."""
    if not has_second_factor(user):
        raise DomainError(
            "security.not_enrolled", gettext_noop("No second factor is set up for this account.")
        )
    codes = _new_recovery_codes(user)
    audit_second_factor(actor=user, user=user, action=Action.RECOVERY_CODES_NEW)
    return codes


def clean_code(code: str) -> str:
    """Return a typed code without its spaces and dashes, in lower case.

    >>> clean_code(" 123 456 "), clean_code("AB2C-D3EF")
    ('123456', 'ab2cd3ef')
    """
    return "".join(code.split()).replace("-", "").lower()


def _wrong_code() -> DomainError:
    return DomainError(
        "security.wrong_code",
        gettext_noop("This code is not valid. Type the code your app shows now."),
    )


def _accepts(device, code: str) -> bool:
    if isinstance(device, StaticDevice):
        return recovery.code_use(device, code)  # kept as digests, not django-otp's tokens
    return device.verify_token(code)


def second_factor_verify(*, user: User, code: str):
    """Return the device that accepts ``code`` (an authenticator's code, or a recovery code
    that is then used up), or raise; every attempt is audited."""
    code = clean_code(code)
    kind = TOTPDevice if code.isdigit() else StaticDevice
    devices = [d for d in devices_for_user(user, confirmed=True) if isinstance(d, kind)]
    if not devices:
        raise _wrong_code()
    if not any(device.verify_is_allowed()[0] for device in devices):
        raise DomainError(
            "security.throttled",
            gettext_noop("Too many wrong codes: wait a minute, then type a new code."),
        )
    for device in devices:
        if _accepts(device, code):
            action = Action.RECOVERY_CODE_USED if kind is StaticDevice else None
            audit_second_factor(actor=user, user=user, action=action or Action.SECOND_FACTOR_LOGIN)
            return device
    audit_second_factor(actor=user, user=user, action=Action.SECOND_FACTOR_FAILED)
    raise _wrong_code()


def _remove_devices(user: User) -> int:
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    return removed


@transaction.atomic
def second_factor_reset(*, actor: User, user: User, organisation: Organisation) -> None:
    """Remove ``user``'s second factor at the request of ``actor``, another administrator of
    ``organisation`` that ``user`` belongs to; the user sets up a new one at the next login."""
    is_admin = Membership.objects.filter(
        user=actor, organisation=organisation, is_active=True, role=Role.ADMINISTRATOR
    ).exists()
    if not is_admin:
        raise DomainError(
            "security.reset_not_admin",
            gettext_noop("Only an administrator of the organisation may reset a second factor."),
        )
    if actor.pk == user.pk:
        raise DomainError(
            "security.reset_self",
            gettext_noop("Another administrator must reset your own second factor."),
        )
    if not Membership.objects.filter(user=user, organisation=organisation).exists():
        raise DomainError(
            "security.reset_not_member", gettext_noop("This user is not a member here.")
        )
    _remove_devices(user)
    audit_second_factor(
        actor=actor, user=user, action=Action.SECOND_FACTOR_RESET, organisation=organisation
    )


@transaction.atomic
def second_factor_reset_platform(*, user: User) -> int:
    """Remove ``user``'s second factor (platform maintenance: ``regie secondfactor reset``);
    return how many devices were removed."""
    removed = _remove_devices(user)
    audit_second_factor(
        actor=user,
        user=user,
        action=Action.SECOND_FACTOR_RESET,
        detail=f"{user.get_username()} (regie secondfactor reset)",
    )
    return removed
