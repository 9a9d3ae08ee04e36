"""How the money received on an invoice is shared among its lines: lines paid in order.

An allocation names an invoice, not its lines. To say what was received per school site, place
or tariff category, the pivot gives each line a part of its invoice's received amount by the
rule the tax certificates already use (:func:`regie.certificates.rules.received_in_year`):
the lines are paid in the order of the care (date, then line), each up to what is due on it
(its amount less what was written off on it), so the oldest care is paid first. The parts are
whole cents and add up exactly to the amount received (which never exceeds what is due).

The database computes the same rule per line with a running total (:mod:`.facts`); this is
its definition, and the property tests hold the two to each other.

>>> paid_in_order([500, 300, 400], 650)
[500, 150, 0]
>>> paid_in_order([500, 0, 400], 900)
[500, 0, 400]
"""

from __future__ import annotations

from collections.abc import Sequence


def line_part(*, due_cents: int, before_cents: int, received_cents: int) -> int:
    """Return what a line receives: what is left after the lines before it, up to its due.

    ``before_cents`` is what is due on the lines paid before it (never counting a line with
    nothing due, such as one fully written off).

    >>> line_part(due_cents=300, before_cents=500, received_cents=650)
    150
    >>> line_part(due_cents=300, before_cents=700, received_cents=650)
    0
    >>> line_part(due_cents=-200, before_cents=0, received_cents=650)
    0
    """
    return min(max(received_cents - before_cents, 0), max(due_cents, 0))


def paid_in_order(dues: Sequence[int], received_cents: int) -> list[int]:
    """Return each line's part of ``received_cents``, the lines (their dues) in paying order."""
    parts, before = [], 0
    for due in dues:
        parts.append(line_part(due_cents=due, before_cents=before, received_cents=received_cents))
        before += max(due, 0)
    return parts
