"""Child positions: a child's rank among the children of the same billable person (DOMAIN §2).

Prices may depend on the position (e.g. a lower price from the second child on). The default
rule, and the only one so far, ranks the active children sharing a billable person oldest
first, 1 being the oldest; ties on the birth date are broken by name, then id, so the ranking
never depends on the order the database returns rows in.

A child linked to several billable persons (separated parents, a new partner's household) gets
one position per billable person: with its mother it may be the second of two, with its father
the only one. The result is therefore keyed by ``(person_id, child_id)``, and billing uses the
position under the person the attendance is billed to.

>>> from datetime import date
>>> anna = RankedChild(1, date(2016, 3, 1), "Anna", frozenset({10}))
>>> bob = RankedChild(2, date(2018, 5, 9), "Bob", frozenset({10, 20}))
>>> sorted(child_positions([bob, anna]).items())
[((10, 1), 1), ((10, 2), 2), ((20, 2), 1)]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from typing import NamedTuple


class RankedChild(NamedTuple):
    """What the ranking needs to know about a child of the registry."""

    id: int
    birth_date: date | None
    name: str
    billable_person_ids: frozenset[int]
    active: bool = True


def child_positions(
    children: Iterable[RankedChild], *, oldest_first: bool = True
) -> dict[tuple[int, int], int]:
    """Return the position of each active child per billable person, 1 being the oldest.

    Inactive children neither get a position nor push the others down. A child whose birth
    date is unknown ranks after the children whose birth date is known. ``oldest_first=False``
    ranks the youngest first, for an organisation whose setting says so.
    """
    families: dict[int, list[RankedChild]] = defaultdict(list)
    for child in children:
        if child.active:
            for person_id in child.billable_person_ids:
                families[person_id].append(child)
    positions = {}
    for person_id, members in families.items():
        for rank, child in enumerate(sorted(members, key=_age_key(oldest_first)), start=1):
            positions[person_id, child.id] = rank
    return positions


def _age_key(oldest_first: bool) -> Callable[[RankedChild], tuple[int, int, str, int]]:
    def key(child: RankedChild) -> tuple[int, int, str, int]:
        if child.birth_date is None:
            return (1, 0, child.name, child.id)
        ordinal = child.birth_date.toordinal()
        return (0, ordinal if oldest_first else -ordinal, child.name, child.id)

    return key
