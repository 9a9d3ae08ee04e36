"""The demo's second factor: user ``finances`` has one, so a newcomer sees how it works.

The demo commune does not require a second factor (``REGIE_REQUIRE_2FA_DEFAULT`` is off
outside production), so ``admin`` and the others log in with their password alone; the
``finances`` user has set one up, and ``regie demo`` prints its key (for an authenticator
app) and a recovery code left. Recovery codes are kept as digests only, so the demo's are
known ones (:data:`DEMO_RECOVERY_CODES`, public like the demo's password).
"""

from __future__ import annotations

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice

from regie.core.models import User
from regie.security.recovery import matching_code
from regie.security.services import (
    clean_code,
    confirmed_device,
    manual_key_text,
    second_factor_confirm,
    second_factor_start,
)

DEMO_SECOND_FACTOR_USER = "finances"
DEMO_RECOVERY_CODES = [f"demo-code-{number:04d}" for number in range(1, 11)]


def enrol_demo_user(user: User) -> None:
    """Set up ``user``'s authenticator as the user would, typing the code it shows."""
    device = second_factor_start(user=user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    second_factor_confirm(
        user=user,
        code=f"{totp.token():0{device.digits}d}",
        recovery_codes=DEMO_RECOVERY_CODES,
    )


def _recovery_code_left(user: User) -> str | None:
    device = StaticDevice.objects.filter(user=user).first()
    if device is None:
        return None
    return next((c for c in DEMO_RECOVERY_CODES if matching_code(device, clean_code(c))), None)


def second_factor_hint() -> str | None:
    """Return the line ``regie demo`` prints about the demo user's second factor."""
    user = User.objects.filter(username=DEMO_SECOND_FACTOR_USER).first()
    device = confirmed_device(user) if user else None
    if device is None:
        return None
    code = _recovery_code_left(user)
    recovery = f" or the recovery code “{code}”" if code else ""
    return (
        f"User “{DEMO_SECOND_FACTOR_USER}” confirms each login with a second factor: add the "
        f"key {manual_key_text(device)} to an authenticator app{recovery} "
        f"(docs/security.md)."
    )
