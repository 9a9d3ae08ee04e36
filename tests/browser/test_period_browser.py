"""A finance officer's period filters show their dates in the browser, in every language."""

import pytest
from django.utils import timezone
from tests.browser.test_registry_browser import log_in
from tests.conftest import make_user

from regie.core.models import Role, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_trial_balance_period_is_filled_in_french_and_dutch(page, org_a, tmp_path):
    """The date pickers hold the current year (they stayed blank with "01/01/2026")."""
    make_user("fanny", org_a, Role.FINANCE)
    year = timezone.localdate().year
    log_in(page, "fanny")
    for language in ("fr", "nl"):
        User.objects.filter(username="fanny").update(language=language)
        page.goto("/ledger/trial-balance/")
        assert page.locator("#id_date_from").input_value() == f"{year}-01-01"
        assert page.locator("#id_date_to").input_value() == f"{year}-12-31"
        page.screenshot(path=tmp_path / f"trial-balance-{language}.png")
    page.goto("/attendance/days/?date_from=2026-03-31&date_to=2026-03-01")
    assert "De periode eindigt vóór ze begint." in page.content()
    page.screenshot(path=tmp_path / "days-reversed.png")
