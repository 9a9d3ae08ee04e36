"""Benchmark operations: name -> (prepare, measure); measure returns the number of items."""

from __future__ import annotations

import datetime as dt

from bench import (
    accounting,
    collection,
    documents,
    fees_api,
    fees_export,
    fees_webhook,
    lists,
    payments,
    scan_api,
    statistics,
)
from bench.attendance import verify_month_measure, verify_month_prepare
from bench.billing import bill_month_measure, bill_month_prepare

LARGE_COMMUNE_CHILDREN = 18_000


def _empty_commune():
    from tests.conftest import make_organisation

    from regie.demo.commune import DEMO_NAME

    return make_organisation(DEMO_NAME)


def registry_load_prepare():
    return _empty_commune()


def registry_load_measure(org) -> int:
    """Build the large commune's registry (schools, families, links)."""
    from regie.core.tenancy import scope
    from regie.demo.registry import build_registry

    with scope(org):
        stats = build_registry(
            org, children=LARGE_COMMUNE_CHILDREN, seed=1, today=dt.date(2026, 11, 1)
        )
    return stats.children


def registry_search_prepare():
    org = _empty_commune()
    registry_load_measure(org)
    return org


def registry_search_measure(org) -> int:
    """Render 200 pages of the children list: search, filters, grouping, problems."""
    from django.test import RequestFactory
    from tests.conftest import make_user

    from regie.core.models import Role
    from regie.core.tenancy import scope
    from regie.people.views import ChildList

    user = make_user("bench", org, Role.COORDINATOR)
    factory = RequestFactory()
    queries = ["", "lam", "dupont léa", "P3"]
    pages = 0
    with scope(org):
        for i in range(200):
            request = factory.get(
                "/registry/children/",
                {"q": queries[i % 4], "group": "site", "problem": "" if i % 3 else "no_attestable"},
            )
            request.user, request.organisation, request.role = user, org, Role.COORDINATOR
            request.memberships = []
            response = ChildList.as_view()(request)
            response.render()
            pages += 1
    return pages


OPERATIONS = {
    "registry: load large commune (children)": (registry_load_prepare, registry_load_measure),
    "registry: children list pages": (registry_search_prepare, registry_search_measure),
    "attendance: verify a month of the large commune (days)": (
        verify_month_prepare,
        verify_month_measure,
    ),
    "scans: API ingest, batches of 500 (scans)": (scan_api.prepare, scan_api.measure),
    "fees: 10,000 files pushed through the API (files)": (fees_api.prepare, fees_api.measure),
    "fees: 10,000 files pushed through the API in batches of 500 (files)": (
        fees_api.prepare,
        fees_api.measure_batches,
    ),
    "fees: 1,000 Mollie webhook calls for 500 payments (calls)": (
        fees_webhook.prepare,
        fees_webhook.measure,
    ),
    "documents: invoice PDFs with QR codes, ZIP (invoices)": (documents.prepare, documents.measure),
    "payments: import a CODA file of 10,000 movements (movements)": (
        payments.prepare,
        payments.measure,
    ),
    "billing: run of the large commune, preview to posted (invoices)": (
        bill_month_prepare,
        bill_month_measure,
    ),
    "collection: level-1 reminder run, preview to created (reminders)": (
        collection.run_prepare,
        collection.run_measure,
    ),
    "collection: reminder PDFs with QR codes, ZIP (reminders)": (
        collection.pdfs_prepare,
        collection.pdfs_measure,
    ),
    "statistics: pivot of a year of invoice lines, category by month (lines)": (
        statistics.pivot_prepare,
        statistics.pivot_measure,
    ),
    "statistics: pivot of a year of invoice lines, person by month (lines)": (
        statistics.pivot_prepare,
        statistics.pivot_person_measure,
    ),
    "exports: attendances list to XLSX, streamed (rows)": (
        lists.prepare,
        lists.attendances_measure,
    ),
    "exports: days list to XLSX, streamed (rows)": (lists.prepare, lists.measure),
    "certificates: a year's 281.86 and their PDFs (certificates)": (
        statistics.certificates_prepare,
        statistics.certificates_measure,
    ),
    "accounting export: three months of the large commune, CSV (documents)": (
        accounting.csv_prepare,
        accounting.measure,
    ),
    "accounting export: three months of the large commune, UBL validated (documents)": (
        accounting.ubl_prepare,
        accounting.measure,
    ),
    "accounting export: a month of 2,000 permit fees, CSV and UBL validated (documents)": (
        fees_export.prepare,
        fees_export.measure,
    ),
}
