"""The accounting CSV: the fast writer gives exactly what the csv module gives."""

from __future__ import annotations

import csv
import doctest
import io
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from regie.exports import csvfile
from regie.exports.documents import Document, Line, Party

texts = st.text(alphabet=st.sampled_from("ab é;\"\r\n,'–"), max_size=20)


def reference(documents, code: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(csvfile.COLUMNS)
    for document in documents:
        writer.writerows(csvfile.rows(document, code))
    return buffer.getvalue().encode("utf-8")


@st.composite
def documents(draw):
    lines = tuple(
        Line(draw(texts), draw(st.integers(0, 10**6)), draw(texts),
             draw(st.none() | st.just(date(2026, 2, 3))), draw(st.integers(1, 9)),
             draw(st.none() | st.integers(0, 10**5)), draw(st.sampled_from("OES")),
             draw(st.sampled_from([Decimal("0"), Decimal("6.00"), Decimal("21")])))
        for _ in range(draw(st.integers(0, 4)))
    )  # fmt: skip
    party = Party(draw(texts), draw(texts), draw(texts), draw(texts), draw(texts), "BE",
                  national_number=draw(texts), enterprise_number=draw(texts))  # fmt: skip
    return Document(draw(texts), "invoice", "original", draw(st.booleans()), date(2026, 3, 2),
                    date(2026, 4, 1), party, lines, draw(st.sampled_from(["", "101000000159"])),
                    draw(texts), draw(texts))  # fmt: skip


def test_doctests():
    assert doctest.testmod(csvfile).failed == 0


@settings(max_examples=200, deadline=None)
@given(st.lists(documents(), max_size=4), texts)
def test_the_writer_gives_what_the_csv_module_gives(found, code):
    assert csvfile.write(found, code) == reference(found, code)
