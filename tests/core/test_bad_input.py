"""Bad input on the screens is a 400 page saying what is wrong, never a 500 (issue 13, 6).

One middleware refuses a NUL character in any query or form value; record numbers typed in
filters are read by ``id_param``, which refuses anything but a number a database stores.
"""

from __future__ import annotations

import doctest

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from regie.core import badinput
from regie.core.models import Role

NUL_SEARCHES = [
    ("people:child-list", "q"),
    ("people:person-list", "q"),
    ("payments:payment-create", "q"),
    ("attendance:registration-list", "q"),
    ("payments:movement-list", "q"),
    ("payments:sepa-file", "batch"),
]


def test_badinput_doctests():
    assert doctest.testmod(badinput).failed == 0


@pytest.fixture
def administrator(org_a, login):
    return login(org_a, Role.ADMINISTRATOR)


def refusal(response) -> str:
    assert response.status_code == 400, response.status_code
    return response.content.decode()


@pytest.mark.parametrize(("name", "param"), NUL_SEARCHES)
def test_a_nul_in_a_search_box_is_refused_with_a_message(administrator, name, param):
    page = refusal(administrator.get(reverse(name), {param: "Dupont\x00"}))
    with translation.override("fr"):
        assert escape(badinput.NUL_REFUSED.translated()) in page


def test_a_nul_in_the_invoice_numbers_of_a_selection_is_refused(administrator):
    response = administrator.post(reverse("documents:selection"), {"numbers": "FACT/2026\x00"})
    refusal(response)


@pytest.mark.parametrize("query", ["site=abc", "category=abc", "site=99999999999999999999999"])
def test_a_filter_that_is_no_number_is_refused_by_name(administrator, query):
    page = refusal(administrator.get(reverse("people:child-list") + "?" + query))
    assert query.split("=")[0] in page


def test_a_choice_of_ticked_invoices_that_is_no_number_is_refused(administrator):
    refusal(administrator.post(reverse("documents:selection"), {"invoice": ["1", "²"]}))


def test_a_good_filter_still_works(administrator):
    assert administrator.get(reverse("people:child-list"), {"site": "none"}).status_code == 200
    assert administrator.get(reverse("people:child-list"), {"site": "12"}).status_code == 200
