"""Build export fixtures: posted invoices of a parent in two categories, budget articles."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

from django.conf import settings
from tests.payments.payment_builders import invoices_post, setup_create

from regie.exports.models import BudgetArticle, Export
from regie.exports.validation import validate

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "einvoice"


def world():
    """Return the setup (two categories with budget articles) and a parent."""
    setup = setup_create()
    BudgetArticle.objects.create(category=setup.categories[0], article="835/161-48")
    BudgetArticle.objects.create(category=setup.categories[1], article="835/161-49")
    from tests.dunning.builders import parent

    return setup, parent()


def post(setup, person, cents: int, day: date, second: int = 0):
    """Post one invoice of ``cents`` (and ``second`` in the second category) on ``day``."""
    return invoices_post(setup, [(person.pk, [cents, second])], day=day, due_date=day)[0]


def files_of(export: Export) -> dict[str, bytes]:
    return {f.name: (Path(settings.MEDIA_ROOT) / f.path).read_bytes() for f in export.files.all()}


def csv_lines(export: Export) -> list[list[str]]:
    content = next(v for k, v in files_of(export).items() if k.startswith("export-"))
    return [line.split(";") for line in content.decode("utf-8").splitlines()]


def ubl_files(export: Export) -> dict[str, bytes]:
    content = next(v for k, v in files_of(export).items() if k.endswith(".zip"))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def fatal(content: bytes) -> list[str]:
    return [f"{f.rule}: {f.text}" for f in validate(content) if f.fatal]
