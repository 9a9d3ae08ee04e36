"""Any input gives statements or a named error, never another exception.

Raise the depth with REGIE_FUZZ_EXAMPLES (300 by default).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from tests.payments.payment_strategies import FUZZ, statements

from regie.payments.parsers import camt053, coda
from regie.payments.parsers.camt053 import Camt053Error
from regie.payments.parsers.coda import CodaError
from regie.payments.parsers.coda_writer import write_coda

DATA = Path(__file__).resolve().parent / "data"
CODA_SAMPLE = (DATA / "two_statements_crlf.cod").read_bytes()
CAMT_SAMPLES = [
    (DATA / name).read_bytes()
    for name in ("camt053_v02_two_statements.xml", "camt053_v08_overdrawn.xml")
]
# bytes that keep a CODA line readable but break its fields
NASTY = b"0123456789 \r\n\x81\xe9+-/.9"


@st.composite
def mutated(draw, original: bytes) -> bytes:
    """Return ``original`` with a few bytes replaced, inserted or deleted, maybe truncated."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        byte = draw(st.sampled_from(NASTY) | st.integers(0, 255))
        action = draw(st.sampled_from(["replace", "replace", "replace", "insert", "delete"]))
        if action == "replace" and data:
            data[position] = byte
        elif action == "insert":
            data.insert(position, byte)
        elif data:
            del data[position]
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


def read_coda(data: bytes) -> None:
    """Parse ``data``, accepting only a result or a CodaError."""
    with contextlib.suppress(CodaError):
        coda.parse(data)
    result, errors = coda.check(data)
    assert all(isinstance(error, CodaError) for error in errors)
    assert result is not None or errors


def read_camt(data: bytes) -> None:
    """Parse ``data``, accepting only a result or a Camt053Error."""
    with contextlib.suppress(Camt053Error):
        camt053.parse(data)


@FUZZ
@given(st.binary(max_size=1024))
def test_arbitrary_bytes_give_a_coda_error(data):
    read_coda(data)


@FUZZ
@given(mutated(CODA_SAMPLE))
def test_mutated_fixture_gives_statements_or_a_coda_error(data):
    read_coda(data)


@FUZZ
@given(st.data())
def test_mutated_written_file_gives_statements_or_a_coda_error(data):
    original = write_coda(data.draw(st.lists(statements(max_movements=3), min_size=1, max_size=2)))
    read_coda(data.draw(mutated(original)))


@FUZZ
@given(st.binary(max_size=1024))
def test_arbitrary_bytes_give_a_camt_error(data):
    read_camt(data)


@FUZZ
@given(st.sampled_from(CAMT_SAMPLES).flatmap(mutated))
def test_mutated_camt_gives_statements_or_a_camt_error(data):
    read_camt(data)
