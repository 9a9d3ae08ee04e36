"""Daily work, with no scheduler to install: ``regie daily`` (by hand or cron) and ``regie worker``.

Apps register functions of the day (:func:`daily_register`); :func:`daily_run` calls each of them
once per organisation and day. The claim is a row of :class:`~regie.core.models.Sequence`
(``daily/2026-05-09``, unique per organisation) locked while the work runs and marked done at
the end: several workers may try at once, one of them does the work, the others find it done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from django.db import transaction

from regie.core.models import Organisation, Sequence
from regie.core.tenancy import scope

logger = logging.getLogger(__name__)

DailyWork = Callable[[date], int]  # returns how many things it did
DAILY: dict[str, DailyWork] = {}
#: Work that cannot wait a day (retries of call-backs): run every minute by ``regie worker``.
OFTEN: dict[str, Callable[[], int]] = {}


def daily_register(name: str, work: DailyWork) -> None:
    """Run ``work(day)`` once a day in each organisation (called by an app's ``ready()``)."""
    DAILY[name] = work


def often_register(name: str, work: Callable[[], int]) -> None:
    """Run ``work()`` every minute in each organisation (called by an app's ``ready()``)."""
    OFTEN[name] = work


def often_run(organisations=None) -> dict[str, dict[str, int]]:
    """Run the frequent work in each organisation; return what it did where it did something."""
    done: dict[str, dict[str, int]] = {}
    for organisation in organisations or Organisation.objects.order_by("pk"):
        with scope(organisation):
            result = {name: work() for name, work in sorted(OFTEN.items())}
        if any(result.values()):
            done[organisation.name] = result
    return done


def daily_run(day: date, organisations=None) -> dict[str, dict[str, int]]:
    """Run the day's work in each organisation not done yet; return what each did."""
    done: dict[str, dict[str, int]] = {}
    for organisation in organisations or Organisation.objects.order_by("pk"):
        with scope(organisation):
            result = _run_once(day)
        if result is not None:
            done[organisation.name] = result
    return done


def _run_once(day: date) -> dict[str, int] | None:
    key = f"daily/{day.isoformat()}"
    with transaction.atomic():
        Sequence.objects.get_or_create(key=key)
        claim = Sequence.objects.select_for_update().get(key=key)  # the others wait here
        if claim.last:
            return None
        result = {name: work(day) for name, work in sorted(DAILY.items())}
        claim.last = 1
        claim.save(update_fields=["last"])
    logger.info("daily work of %s done: %s", day, result)
    return result
