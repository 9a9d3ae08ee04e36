"""An attendance is billed when a posted invoice's line bills it: posting no longer writes it.

The attendances marked billed before keep their verification's outcome, verified.
"""

from django.db import migrations


def statuses_verified(apps, schema_editor):
    Attendance = apps.get_model("attendance", "Attendance")
    Attendance._base_manager.filter(status="billed").update(status="verified")


def statuses_billed(apps, schema_editor):
    Attendance = apps.get_model("attendance", "Attendance")
    BilledAttendance = apps.get_model("billing", "BilledAttendance")
    posted = BilledAttendance._base_manager.filter(
        released=False, line__invoice__posted_at__isnull=False
    ).values("attendance_id")
    Attendance._base_manager.filter(pk__in=posted).update(status="billed")


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_lines_links_fewer_checks")]

    operations = [migrations.RunPython(statuses_verified, statuses_billed)]
