"""Writes of the scanning app: pairing a phone as a scanning device."""

from __future__ import annotations

from django.db import transaction

from regie.attendance.models import Device


@transaction.atomic
def device_pairing_start(*, device: Device) -> str:
    """Give ``device`` a new token for a phone to pair with, and return it (shown once).

    The device's former token stops working at once: the phone that held it must be paired
    again.
    """
    token = device.new_token()
    device.save(update_fields=["token_hash"])
    return token
