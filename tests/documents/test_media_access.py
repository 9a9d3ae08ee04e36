"""Documents are served only by views that check the organisation and the role (issue 13, 1).

Nothing under ``MEDIA_ROOT`` is served by its path, even with DEBUG on (``regie serve`` and so
``make demo`` run with DEBUG): every stored file is asked for by its path, anonymously and as
another organisation's finance officer, and never comes back. Personal downloads are never
kept by a browser or a proxy (``Cache-Control: no-store``).
"""

from __future__ import annotations

import importlib

import pytest
from django.test import Client
from django.urls import clear_url_caches, reverse
from tests.conftest import make_user

from regie.config import urls as root_urls
from regie.core.models import Role
from regie.documents.models import DocumentBatch

NO_STORE = "no-store"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def debug_urls(settings):
    """The URLs as ``regie serve`` builds them: with DEBUG on."""
    settings.DEBUG = True
    importlib.reload(root_urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(root_urls)
    clear_url_caches()


def test_no_stored_file_is_served_by_its_path(
    families, run, org_a, org_b, login, media, debug_urls, django_capture_on_commit_callbacks
):
    finance = login(org_a, Role.FINANCE)
    with django_capture_on_commit_callbacks(execute=True):
        finance.post(reverse("documents:run-generate", args=[run.pk]), {"format": "zip"})
    batch = DocumentBatch.objects.get()
    stored = [path.relative_to(media).as_posix() for path in media.rglob("*") if path.is_file()]
    assert batch.file in stored  # the batch's ZIP and the templates at least

    stranger = Client()
    stranger.force_login(make_user("finance-b", org_b, Role.FINANCE))
    anonymous = Client()
    for relative in stored:
        for client in (anonymous, stranger, finance):
            response = client.get(f"/media/{relative}")
            assert response.status_code == 404, relative
            assert not getattr(response, "streaming", False)

    download = reverse("documents:batch-download", args=[batch.pk])
    assert anonymous.get(download).status_code in (302, 403)  # the login page, or refused
    assert stranger.get(download).status_code == 404
    answer = finance.get(download)
    assert answer.status_code == 200 and NO_STORE in answer["Cache-Control"]


def test_an_invoice_pdf_is_never_kept_by_the_browser(families, org_a, login):
    client = login(org_a, Role.AUDITOR)
    response = client.get(reverse("documents:invoice-pdf", args=[families["de"].invoice.pk]))
    assert response.status_code == 200 and NO_STORE in response["Cache-Control"]
