"""The rule sharing an invoice's received money among its lines: exact cents, lines in order."""

import doctest

from hypothesis import given
from hypothesis import strategies as st

from regie.certificates.rules import received_in_year
from regie.statistics import allocation, chart
from regie.statistics.allocation import paid_in_order


def test_doctests_pass():
    assert doctest.testmod(allocation).failed == 0
    assert doctest.testmod(chart).failed == 0


DUES = st.lists(st.integers(min_value=-500, max_value=5000), max_size=12)


@given(DUES, st.data())
def test_parts_add_up_exactly_to_what_the_invoice_received(dues, data):
    received = data.draw(st.integers(min_value=0, max_value=sum(max(d, 0) for d in dues)))
    parts = paid_in_order(dues, received)
    assert sum(parts) == received
    assert all(0 <= part <= max(due, 0) for part, due in zip(parts, dues, strict=True))


@given(DUES, st.data())
def test_the_oldest_lines_are_paid_first(dues, data):
    received = data.draw(st.integers(min_value=0, max_value=sum(max(d, 0) for d in dues)))
    parts = paid_in_order(dues, received)
    started = [n for n, part in enumerate(parts) if part]
    if started:  # every line before the last one paid is paid in full
        assert all(parts[n] == max(dues[n], 0) for n in range(started[-1]))


@given(DUES, st.integers(min_value=0, max_value=60000))
def test_the_certificates_share_the_same_way(dues, received):
    parts = paid_in_order(dues, received)
    theirs = received_in_year(list(enumerate(dues)), before_cents=0, during_cents=received)
    assert {n: part for n, part in enumerate(parts) if part} == theirs
