"""Benchmark: a month of permit fees paid at the counter in the accounting export.

Prepare (not timed): an empty commune with a permit service, 2,000 files paid in advance
(worked example 13's container, 1 to 5 days, some of two lines at 21 % and 0 %) pushed by the
service's code and paid at the counter on the days of March 2026 (``BENCH_FEES``).
Measure: one export of March, CSV and UBL (every file checked against both rule sets, in the
export's worker processes); check that it holds each file once, at its amount.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

FILES = int(os.environ.get("BENCH_FEES", "2000"))
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def prepare() -> dict:
    from bench.operations import _empty_commune
    from regie.activities.models import ActivityCategory
    from regie.core.tenancy import scope
    from regie.fees.applicants import Applicant
    from regie.fees.models import Service
    from regie.fees.payments import file_pay_at_counter
    from regie.fees.rules import Line
    from regie.fees.services import FileData, file_push, service_save
    from regie.payments.models import Mode

    org = _empty_commune()
    total = 0
    with scope(org):
        category = ActivityCategory.objects.create(name="Permis", code="permis")
        service = service_save(
            service=Service(name="Occupation du domaine public", category=category,
                            budget_article="040/161-48")
        )  # fmt: skip
        for n in range(FILES):
            applicant = Applicant(last_name=f"Demandeur{n}", first_name="Julie",
                                  street="Rue Haute 3", postcode="5000", city="Namur",
                                  email=f"demandeur{n}@example.be")  # fmt: skip
            lines = [Line("Conteneur, par jour", Decimal(n % 5 + 1), 1500, Decimal("0"))]
            if n % 4 == 0:
                lines.append(Line("Terrasse, par m²", Decimal("10"), 1210, Decimal("21")))
            data = FileData(f"OCC-{n:05d}", applicant, "Conteneur", tuple(lines))
            file, _ = file_push(service=service, data=data)
            day = MARCH[0] + dt.timedelta(days=n % 31)
            file_pay_at_counter(file=file, mode=Mode.CARD, day=day)
            total += file.amount_cents
    return {"org": org, "total": total}


def measure(state: dict) -> int:
    from regie.core.tenancy import scope
    from regie.exports.services import export_create

    with scope(state["org"]):
        export = export_create(date_from=MARCH[0], date_to=MARCH[1], formats=["csv", "ubl"])
        counts = (export.documents, export.debit_cents)
    assert counts == (FILES, state["total"]), counts
    return export.documents
