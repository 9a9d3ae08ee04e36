"""Valid Belgian identifiers for demo data (computed check digits, never real people's)."""

from __future__ import annotations

import datetime as dt

from schwifty import IBAN


def enterprise_number(base: int) -> str:
    """Return a valid 10-digit enterprise number starting with 0 from an 8-digit base."""
    body = f"0{base % 10**7:07d}"
    check = 97 - int(body) % 97
    return f"{body}{check:02d}"


def national_number(birth: dt.date, serial: int) -> str:
    """Return a valid national register number for a birth date and a serial (1–997)."""
    body = f"{birth:%y%m%d}{serial:03d}"
    prefix = "2" if birth.year >= 2000 else ""
    check = 97 - int(prefix + body) % 97
    return f"{body}{check:02d}"


def belgian_iban(account: int, bank_code: str = "068") -> str:
    """Return a valid Belgian IBAN for a bank code and an account number."""
    number = f"{bank_code}{account % 10**7:07d}"
    bban = f"{number}{int(number) % 97 or 97:02d}"
    iban_check = 98 - int(f"{bban}111400") % 97  # "BE00" moved to the end, letters as numbers
    return IBAN(f"BE{iban_check:02d}{bban}").compact
