"""The simulated Mollie for the fees tests (and the browser tests, which import it)."""

from __future__ import annotations

import pytest

from regie.fees.fake_mollie import FakeMollie


@pytest.fixture
def fake_mollie():
    """A simulated Mollie listening on a free local port for the test."""
    with FakeMollie() as fake:
        yield fake
