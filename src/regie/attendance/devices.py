"""Writes of the scanning devices: a new device gets a secret token, shown once."""

from __future__ import annotations

from django.db import transaction

from regie.attendance.models import Device
from regie.core.services import record_save


@transaction.atomic
def device_create(*, device: Device) -> tuple[Device, str]:
    """Save a new device with a fresh token; return it and the secret (only its hash is kept)."""
    token = device.new_token()
    return record_save(device, exclude=["token_hash"]), token


@transaction.atomic
def device_save(*, device: Device) -> Device:
    """Change a device's name or active flag."""
    return record_save(device, exclude=["token_hash"])


@transaction.atomic
def device_token_renew(*, device: Device) -> str:
    """Give ``device`` a new secret token and return it; the old one stops working."""
    token = device.new_token()
    device.save(update_fields=["token_hash"])
    return token
