"""Attendance asks billing whether an attendance is billed through a hook, never an import."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

from tests import factories as f

import regie.attendance
from regie.attendance import billed
from regie.attendance.checking import unbilled_attendances
from regie.attendance.models import Attendance, Day, DayStatus
from regie.attendance.selectors import day_attendances
from regie.attendance.services import event_add_manual
from regie.billing.attendance_links import LINKS

OCT = date(2025, 10, 1)


def test_attendance_imports_nothing_of_billing():
    """No module of the attendance app imports billing (data flows one way)."""
    root = Path(regie.attendance.__file__).parent
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                imported = [node.module or ""]
            else:
                continue
            assert not any(name.startswith("regie.billing") for name in imported), path


def test_billing_registers_its_answers_at_start_up():
    """Billing's AppConfig registered its links: attendance's questions reach billing."""
    assert billed.registered_billing_links() is LINKS


def test_without_billing_nothing_is_billed_held_or_drafted(in_a, monkeypatch):
    """Without billing's answers a day verifies, its page and the monitor read unbilled."""
    monkeypatch.setattr(billed, "_links", None)
    evening = f.activity("Accueil du soir", "16:00", "18:00")
    child = f.child(parent=f.person())
    day = event_add_manual(
        child=child, place=evening.place, day=OCT, moment=evening.start_time, direction="exit"
    )
    assert day.status == DayStatus.VERIFIED
    assert [a.shown_status for a in day_attendances(day)] == [DayStatus.VERIFIED]
    [group] = unbilled_attendances()
    assert (group.reason, group.attendances) == ("outside_run", 1)
    assert Attendance.objects.exclude(billed.is_held()).count() == 1
    billed.released_links_forget([a.pk for a in Attendance.objects.all()])  # nothing to do
    assert Day.objects.get().status == DayStatus.VERIFIED
