"""Date fields show their date in every language; a reversed period says so."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from regie.core.models import Role

ISO_VALUE = re.compile(r'<input type="date" name="(date_from|date_to)" value="(\d{4}-\d{2}-\d{2})"')
FILTERS = ["ledger:trial-balance", "ledger:receivables", "payments:reconciliation"]


@pytest.mark.parametrize("language", ["fr", "nl", "de"])
def test_period_filters_give_the_browser_iso_dates(org_a, login, language):
    """``<input type="date">`` needs yyyy-mm-dd: "01/01/2026" would show a blank field."""
    client = login(org_a, Role.FINANCE)
    client.cookies["django_language"] = language
    for name in FILTERS:
        html = client.get(reverse(name)).content.decode()
        values = dict(ISO_VALUE.findall(html))
        assert set(values) == {"date_from", "date_to"}, name
        assert values["date_from"].endswith("-01-01") and values["date_to"].endswith("-12-31")
    html = client.get(reverse("attendance:day-list"), {"date_from": "2026-03-01"}).content
    assert 'name="date_from" value="2026-03-01"' in html.decode()


def test_a_reversed_period_on_the_days_list_says_so(org_a, login):
    client = login(org_a, Role.COORDINATOR)
    period = {"date_from": "2026-03-31", "date_to": "2026-03-01"}
    html = client.get(reverse("attendance:day-list"), period).content.decode()
    assert "La période se termine avant de commencer." in html
