"""Fill factors for what is rewritten: days, not attendances.

A day's status changes several times in its life (not processed, verified or in error, billed,
verified again when credited), and its status is in no index: with half of each page left
free, PostgreSQL writes most new versions in the same page (HOT updates) and touches no index.
Marking a month of a large commune billed took 2.9 s with 70 % full pages, 1.6 s with 50 %.

Attendances are written once and never updated in bulk any more (posting bills them by their
links), so their pages are filled again: a smaller table to read and to write.
Rows written before this migration keep their pages as they are.
"""

from django.db import migrations


def _set(schema_editor, statements):
    if schema_editor.connection.vendor == "postgresql":
        for statement in statements:
            schema_editor.execute(statement)


def fill_factors(apps, schema_editor):
    _set(
        schema_editor,
        (
            "ALTER TABLE attendance_day SET (fillfactor = 50)",
            "ALTER TABLE attendance_attendance RESET (fillfactor)",
        ),
    )


def fill_factors_before(apps, schema_editor):
    _set(
        schema_editor,
        (
            "ALTER TABLE attendance_day SET (fillfactor = 70)",
            "ALTER TABLE attendance_attendance SET (fillfactor = 70)",
        ),
    )


class Migration(migrations.Migration):
    dependencies = [("attendance", "0003_status_out_of_indexes")]

    operations = [migrations.RunPython(fill_factors, fill_factors_before)]
