"""Keys reserved before rows are written (regie.core.rows.ids_reserve)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from regie.activities.models import Place
from regie.core import rows
from regie.core.rows import ids_reserve, rows_insert

pytestmark = pytest.mark.django_db(transaction=True)


def _insert(org, ids):
    rows_insert(Place, ("id", "organisation", "name"), [(pk, org.pk, f"P{pk}") for pk in ids])


@pytest.mark.parametrize("count", [3, rows.BLOCK + 5])
def test_reserved_keys_are_new_consecutive_and_never_drawn_again(in_a, count):
    """Given keys reserved and rows written with them, when the ORM inserts next, then its
    key follows the block: nothing collides (a block on PostgreSQL, key by key otherwise)."""
    before = Place.objects.create(name="before").pk
    with transaction.atomic():
        ids = ids_reserve(Place, count)
        _insert(in_a, ids)
    after = Place.objects.create(name="after").pk
    assert ids == list(range(ids[0], ids[0] + count))
    assert before < ids[0] and after > ids[-1]
    assert Place.objects.count() == count + 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="locks of PostgreSQL")
def test_a_writer_waits_for_a_reserved_block_and_takes_the_next_key(in_a):
    """Given a block reserved in a transaction still open, when another connection inserts
    a row, then it waits for the commit and its key is not one of the block's."""
    inserted: list[int] = []

    def other_writer():
        try:
            inserted.append(Place.unscoped_objects.create(organisation=in_a, name="other").pk)
        finally:
            connections.close_all()

    with transaction.atomic():
        ids = ids_reserve(Place, rows.BLOCK)
        thread = threading.Thread(target=other_writer)
        thread.start()
        time.sleep(0.5)
        assert not inserted  # blocked by the block's lock
        _insert(in_a, ids)
    thread.join(10)
    assert inserted and inserted[0] not in ids
    assert Place.objects.count() == rows.BLOCK + 1


def test_instances_are_inserted_with_their_keys_set_as_bulk_create_would(in_a):
    """Unsaved instances get their keys and read back as written; they count as saved."""
    places = [Place(organisation=in_a, name=f"Site {n}") for n in range(3)]
    with transaction.atomic():
        rows.instances_insert(Place, places)
    assert all(p.pk and not p._state.adding for p in places)
    stored = dict(Place.objects.values_list("pk", "name"))
    assert stored == {p.pk: p.name for p in places}
