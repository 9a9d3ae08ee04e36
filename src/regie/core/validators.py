"""Validators for Belgian identifiers, with messages a clerk understands."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.be import bis, nn, vat
from stdnum.exceptions import ValidationError as StdnumError


def clean_identifiers(instance, cleaners) -> dict[str, ValidationError]:
    """Compact each non-empty field of ``instance`` with its cleaner; return the errors by field."""
    errors: dict[str, ValidationError] = {}
    for field, cleaner in cleaners:
        value = getattr(instance, field)
        if value:
            try:
                setattr(instance, field, cleaner(value))
            except ValidationError as exc:
                errors[field] = exc
    return errors


def clean_phone(value: str, region: str = "BE") -> str:
    """Return a phone number in international form, or raise; national numbers are Belgian.

    >>> clean_phone("081 24 60 00")
    '+32 81 24 60 00'
    >>> clean_phone("0470/12.34.56")
    '+32 470 12 34 56'
    >>> clean_phone("+33 1 42 68 53 00")
    '+33 1 42 68 53 00'
    """
    try:
        number = phonenumbers.parse(value, region or "BE")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _(
                "“%(value)s” is not a valid phone number; write it like 081 24 60 00, "
                "0470 12 34 56 or, from abroad, +33 1 42 68 53 00."
            ),
            code="phone",
            params={"value": value},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def clean_enterprise_number(value: str) -> str:
    """Return a KBO/BCE enterprise number in compact form (10 digits), or raise."""
    try:
        return vat.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            _(
                "“%(value)s” is not a valid enterprise number (BCE/KBO): it has ten digits, "
                "like 0207.451.227, and its last two digits are check digits."
            ),
            code="enterprise_number",
            params={"value": value},
        ) from exc


def clean_iban(value: str) -> str:
    """Return an IBAN in compact form, or raise."""
    try:
        return IBAN(value).compact
    except SchwiftyException as exc:
        raise ValidationError(
            _("“%(value)s” is not a valid IBAN; check the digits, e.g. BE68 5390 0754 7034."),
            code="iban",
            params={"value": value},
        ) from exc


def clean_bic(value: str) -> str:
    """Return a BIC in compact form, or raise."""
    try:
        return BIC(value).compact
    except SchwiftyException as exc:
        raise ValidationError(
            _("“%(value)s” is not a valid BIC; it has 8 or 11 characters, e.g. GKCCBEBB."),
            code="bic",
            params={"value": value},
        ) from exc


def clean_national_number(value: str) -> str:
    """Return a national register or BIS number in compact form (11 digits), or raise."""
    compact = nn.compact(value)
    for module in (nn, bis):
        try:
            return module.validate(compact)
        except StdnumError:
            continue
    raise ValidationError(
        _(
            "“%(value)s” is not a valid national register or BIS number: it has 11 digits "
            "(birth date, serial number, two check digits), e.g. 85.07.30-033.28."
        ),
        code="national_number",
        params={"value": value},
    )


def format_national_number(compact: str) -> str:
    """Format 11 digits as YY.MM.DD-SSS.CC."""
    if len(compact) != 11:
        return compact
    return f"{compact[:2]}.{compact[2:4]}.{compact[4:6]}-{compact[6:9]}.{compact[9:]}"


def mask_national_number(compact: str) -> str:
    """Mask a national number except its last two digits: ••.••.••-•••.28."""
    if not compact:
        return ""
    return "••.••.••-•••." + compact[-2:]


def format_iban(compact: str) -> str:
    """Group an IBAN by four characters."""
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
