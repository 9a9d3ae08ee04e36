"""`regie export`: the same export from the command line, for scheduled use."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from tests.exports.builders import post, world

from regie.core.tenancy import scope
from regie.exports.models import Export


def run(*args) -> str:
    out = io.StringIO()
    call_command("export", *args, stdout=out)
    return out.getvalue()


def test_the_command_writes_the_files_and_says_what(org_a, tmp_path):
    with scope(org_a):
        setup, parent = world()
        invoice = post(setup, parent, 5000, date(2026, 3, 3))
    said = run("--organisation", str(org_a.pk), "--from", "2026-03-01", "--to", "2026-03-31",
               "--format", "csv", "--output", str(tmp_path))  # fmt: skip
    written = tmp_path / "export-20260301-20260331.csv"
    assert invoice.number in written.read_text(encoding="utf-8")
    assert str(written) in said and "documents: 1" in said
    with scope(org_a):
        assert Export.objects.get().formats == ["csv"]


def test_the_command_refuses_four_months_naming_the_limit(org_a, tmp_path):
    with pytest.raises(CommandError, match="3 mois"):  # in the organisation's language
        run("--organisation", str(org_a.pk), "--from", "2026-01-01", "--to", "2026-04-02",
            "--format", "ubl", "--output", str(tmp_path))  # fmt: skip
    assert list(tmp_path.iterdir()) == []


def test_the_command_refuses_an_unknown_organisation(db, tmp_path):
    with pytest.raises(CommandError, match="no organisation"):
        run("--organisation", "987654", "--from", "2026-01-01", "--to", "2026-01-31",
            "--format", "csv", "--output", str(tmp_path))  # fmt: skip
