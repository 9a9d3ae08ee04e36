"""Every page, in every role, speaks the user's language: nothing escapes the catalogues.

The pages are those of the isolation walk (every named URL of the back-office and the admin
pages of every business model), opened with organisation A's own records in the pseudo-locale
(see ``tests/pseudo.py``); a visible text that is neither translated nor data fails the test,
which names the page and the text. A new URL added to the isolation walk is covered here too.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse
from tests.core.test_isolation import KWARG_MODELS, populate, walk_patterns
from tests.pseudo import data_words, pseudo_locale, untranslated

from regie.attendance.models import Day
from regie.attendance.services import day_verify_again
from regie.core.admin_site import site as admin_site
from regie.core.models import OrgModel, Role
from regie.core.tenancy import scope
from regie.documents.mail import _answer
from regie.documents.models import Sending, SendingStatus
from regie.ledger.chart import chart_complete
from regie.payments.models import BankMovement

__all__ = ["pseudo_locale"]  # the fixture, used by name

# What a page says does not depend on the database: walked once, on SQLite.
pytestmark = pytest.mark.textual

#: URLs that are no page: actions answering POST only, files, JSON and the API.
NOT_PAGES = {"logout", "set_language"}


def page_urls(objects):
    """Yield (name, url) for every named URL, filled with A's own records."""
    by_model = {type(obj): obj for obj in objects.values()}
    for name, pattern in walk_patterns():
        if name in NOT_PAGES or name.startswith("api-v1:"):
            continue
        kwargs = {}
        for key in pattern.pattern.converters:
            model = next(
                m for (prefix, k), m in KWARG_MODELS.items() if name.startswith(prefix) and k == key
            )
            # A word (a kind of document) is the same for every organisation.
            kwargs[key] = model if isinstance(model, str) else by_model[model].pk
        yield name, reverse(name, kwargs=kwargs)


def admin_urls(objects):
    """Yield the admin's index, and the list, add and change pages of A's business models."""
    yield "admin:index", reverse("admin:index")
    by_model = {type(obj): obj for obj in objects.values()}
    for model in admin_site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        yield f"{info}_changelist", reverse(f"{info}_changelist")
        yield f"{info}_add", reverse(f"{info}_add")
        if issubclass(model, OrgModel) and model in by_model:
            yield f"{info}_change", reverse(f"{info}_change", args=[by_model[model].pk])


def walk(client, urls):
    """Return {page: untranslated texts} for the HTML pages among ``urls``.

    The data words are read after the walk: the pages themselves record some (the audit log
    of a report names its period).
    """
    pages = {}
    for name, url in urls:
        response = client.get(url)
        if "text/html" in response.get("Content-Type", "") and response.content:
            pages[f"{name} ({response.status_code})"] = response.content.decode()
    data = data_words()
    found = {page: untranslated(html, data) for page, html in pages.items()}
    return {page: texts for page, texts in found.items() if texts}


@pytest.fixture
def records(org_a):
    """A's records of the isolation walk, with a day in error, a chart and a failed sending."""
    objects = populate(org_a, "A")
    with scope(org_a):
        day = Day.objects.get(pk=objects["day"].pk)
        day_verify_again(day=day)  # an exit scan alone: the day is in error
        chart_complete()
        BankMovement.objects.filter(pk=objects["movement"].pk).update(entry_date="2025-12-01")
        Sending.objects.filter(pk=objects["sending"].pk).update(
            status=SendingStatus.FAILED, answer=_answer(ConnectionRefusedError(111, "refused"))
        )
    return objects


@pytest.mark.parametrize("role", Role.values)
def test_every_page_is_translated_in_every_role(pseudo_locale, records, org_a, login, role):
    if connection.vendor != "sqlite":
        pytest.skip("the pages' words do not depend on the database: walked once, on SQLite")
    client = login(org_a, role, username="jmbastin")  # no English word in the data
    client.cookies["django_language"] = pseudo_locale
    found = walk(client, [*page_urls(records), *admin_urls(records)])
    report = "\n".join(f"{page}: {texts}" for page, texts in sorted(found.items()))
    assert not found, f"untranslated text on {len(found)} pages:\n{report}"
