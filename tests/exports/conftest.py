"""Fixtures of the accounting export's tests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone


@pytest.fixture
def day_over(monkeypatch):
    """Tomorrow has come: today's documents may travel (an export's range ends before today)."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    monkeypatch.setattr("regie.exports.services.today", lambda: tomorrow)
    return tomorrow
