"""Benchmarks: lists exported to XLSX, 300,000 rows and more, streamed (``regie.exports.lists``).

Two lists, the same machinery (``ListExportMixin``: rows read with ``values_list`` a chunk at
a time, written as they come by ``regie.exports.xlsx_stream`` into a temporary file, the file
streamed back): the attendances list (``/attendance/attendances/``, eleven columns, the
attendance's shown status computed in the query) and the days list.

Prepare (not timed): the large commune's registry, the demo's activities and prices, and the
verified days and attendances of 1 October to 4 November 2026 (25 school days) after the
demo's habits, written like the billing benchmark writes October (``bench.billing``): a little
over 300,000 days. Measure: a coordinator's request of the list, every status, over
those dates, with ``?export=xlsx``, through the list view (its form, its filter, the audit
log), the answer's file read to its end as the browser would; then the file is opened to
check that its sheet holds a row per day or attendance (the check is timed too).
"""

from __future__ import annotations

import datetime as dt
import random
import re
import sys
import zipfile

DATES = (dt.date(2026, 10, 1), dt.date(2026, 11, 4))
SEED = 5


def prepare():
    """Return ``(organisation, coordinator, days in the list, attendances in the list)``."""
    from django.db import connection
    from tests.conftest import make_user

    from bench.billing import _attendances
    from bench.operations import _empty_commune, registry_load_measure
    from regie.attendance.models import Attendance, Day
    from regie.core.models import Role
    from regie.core.tenancy import scope
    from regie.demo.activities import build_activities
    from regie.demo.scans import _kids as demo_kids

    org = _empty_commune()
    registry_load_measure(org)
    with scope(org):
        setup = build_activities(org, today=DATES[1])
        kids = demo_kids(setup, random.Random(SEED))
        attendances = _attendances(org, kids, random.Random(SEED + 1), DATES)
        days = Day.objects.filter(date__range=DATES).count()
        attendances = Attendance.objects.filter(date__range=DATES).count()
    user = make_user("bench-lists", org, Role.COORDINATOR)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    print(f"prepared {days:,} days, {attendances:,} attendances", file=sys.stderr)
    return org, user, days, attendances


def measure(state) -> int:
    """Export the days list to XLSX through its view; return the rows in the file."""
    from regie.attendance.views import DayList

    org, user, days, _attendances = state
    return _export(DayList, "/attendance/days/", org, user, days, status="all")


def attendances_measure(state) -> int:
    """Export the attendances list to XLSX through its view; return the rows in the file."""
    from regie.attendance.attendance_list import AttendanceList

    org, user, _days, attendances = state
    return _export(AttendanceList, "/attendance/attendances/", org, user, attendances, status="")


def _export(view, path: str, org, user, expected: int, *, status: str) -> int:
    import tempfile

    from django.test import RequestFactory

    from regie.core.models import Role
    from regie.core.tenancy import scope

    request = RequestFactory().get(
        path,
        {
            "status": status,
            "date_from": DATES[0].isoformat(),
            "date_to": DATES[1].isoformat(),
            "export": "xlsx",
        },
    )
    request.user, request.organisation, request.role = user, org, Role.COORDINATOR
    request.memberships = []
    with scope(org), tempfile.TemporaryFile() as target:
        response = view.as_view()(request)
        for chunk in response.streaming_content:
            target.write(chunk)
        response.close()
        size = target.tell()
        target.seek(0)
        rows = _rows_in(target)
    if rows != expected + 1:  # the heading
        raise AssertionError(f"{rows} rows in the file, {expected} in the list")
    print(f"file {size / 1e6:.1f} MB", file=sys.stderr)
    return expected


def _rows_in(file) -> int:
    """Return the number of the last row of the workbook's only sheet."""
    with zipfile.ZipFile(file) as book:
        name = next(n for n in book.namelist() if n.startswith("xl/worksheets/sheet"))
        tail = b""
        with book.open(name) as sheet:
            while block := sheet.read(1 << 20):
                tail = (tail + block)[-4096:]
    found = re.findall(rb'<row r="(\d+)"', tail)
    return int(found[-1]) if found else 0
