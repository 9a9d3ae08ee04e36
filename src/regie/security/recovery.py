"""Recovery codes: made at random, shown once, kept as salted PBKDF2 digests.

A code has 60 random bits (twelve base32 characters, shown ``abcd-efgh-ijkl``). The codes of
one device share a salt, so a typed code is hashed once and looked up by its digest. Codes
made before they were hashed (eight characters, 40 bits) were hashed in place by the
migration ``security.0002`` and keep working.
"""

from __future__ import annotations

import hashlib
import secrets
from base64 import b32encode, b64encode
from collections.abc import Sequence

from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice

from regie.security.models import RecoveryCode

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 20_000
CODE_LENGTH = 12


def new_code() -> str:
    """Return a new random recovery code, in groups of four, never all digits (an app's code).

    >>> code = new_code()
    >>> len(code), code.count("-"), code.replace("-", "").isalnum()
    (14, 2, True)
    """
    while True:
        raw = b32encode(secrets.token_bytes(8)).decode().lower()[:CODE_LENGTH]
        if not raw.isdigit():
            return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def digest(code: str, salt: str, iterations: int = ITERATIONS) -> str:
    """Return the stored form of a cleaned ``code``: ``pbkdf2_sha256$iterations$salt$hash``.

    >>> digest("abcdefgh", "sel", 1)
    'pbkdf2_sha256$1$sel$91BJYOSiyHFVgvvS5yrYzFpCOR0OgUQwMGatTnDWxPo='
    """
    key = hashlib.pbkdf2_hmac("sha256", code.encode(), salt.encode(), iterations)
    return f"{ALGORITHM}${iterations}${salt}${b64encode(key).decode()}"


def digest_like(code: str, stored: str) -> str:
    """Return ``code``'s digest with the salt and iterations of a ``stored`` digest.

    >>> stored = digest("abcdefgh", "sel", 1)
    >>> digest_like("abcdefgh", stored) == stored, digest_like("abcdefgi", stored) == stored
    (True, False)
    """
    _algorithm, iterations, salt, _key = stored.split("$", 3)
    return digest(code, salt, int(iterations))


def codes_store(device: StaticDevice, codes: Sequence[str]) -> None:
    """Keep the digests of cleaned ``codes`` for ``device``, instead of any earlier ones."""
    salt = secrets.token_hex(12)
    RecoveryCode.objects.filter(device=device).delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, digest=digest(code, salt)) for code in codes
    )


def matching_code(device: StaticDevice, code: str) -> RecoveryCode | None:
    """Return the stored code of ``device`` that a cleaned ``code`` matches, or None."""
    first = RecoveryCode.objects.filter(device=device).values_list("digest", flat=True).first()
    if first is None:
        return None
    return RecoveryCode.objects.filter(device=device, digest=digest_like(code, first)).first()


@transaction.atomic
def code_use(device: StaticDevice, code: str) -> bool:
    """Use up a cleaned recovery ``code`` of ``device`` (throttled like django-otp's devices);
    return whether it was one of its codes."""
    device = StaticDevice.objects.select_for_update().get(pk=device.pk)
    if not device.verify_is_allowed()[0]:
        return False
    match = matching_code(device, code)
    if match is None:
        device.throttle_increment()
        return False
    match.delete()
    device.throttle_reset(commit=False)
    device.set_last_used_timestamp(commit=False)
    device.save()
    return True


def codes_left(user) -> int:
    """Return how many recovery codes ``user`` has left."""
    return RecoveryCode.objects.filter(device__user=user).count()
