"""No input gives a 500: every form of the back-office, every add page of the admin and every
API body, sent with hypothesis-generated absurd values.

Each form is found by walking the URL patterns (as the isolation walk does, with the
organisation's own ids) and reading the ``<form method="post">`` of its page: its fields, their
choices and initial values. An example starts from those values and replaces some of them with
absurd ones (huge, negative, empty, not a number, too many decimals, far dates…). The answer
must be a redirect (the input was fine), a re-displayed form (200) or a 4xx, never a 5xx; and
when the form is re-displayed or refused, no business row was written. The API takes JSON
bodies and query strings of the same values. Raise the depth with REGIE_FUZZ_FORM_EXAMPLES.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.core.test_isolation import KWARG_MODELS, populate, snapshot, walk_patterns

from regie.attendance.models import Device
from regie.core.admin_site import site as admin_site
from regie.core.models import OrgModel, Role
from regie.core.tenancy import scope

EXAMPLES = int(os.environ.get("REGIE_FUZZ_FORM_EXAMPLES", "2"))

ABSURD = [
    "99999999999999999999999",
    "-99999999999999999999999",
    "1.000.000,00",
    "9999999999,99",
    "-1",
    "-0,01",
    "0",
    "",
    " ",
    "abc",
    "12,345",
    "0,001",
    "1e999999999",
    "NaN",
    "Infinity",
    "9999-12-31",
    "31/12/9999",
    "0001-01-01",
    "99999-01-01",
    "2026-02-30",
    "99:99",
    "24:00",
    "٣",
    "\x00",
    "a" * 400,
]
#: Pages whose forms are not data entry: leaving the session, changing the language.
SKIPPED = {"logout", "set_language", "switch-organisation"}


class Forms(HTMLParser):
    """Collect the POST forms of a page: action, field names, choices and current values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            if (attrs.get("method") or "get").lower() == "post":
                self.forms.append({"action": attrs.get("action") or "", "fields": {}})
            else:
                self.forms.append(None)
            return
        if not self.forms or self.forms[-1] is None or not attrs.get("name"):
            if tag == "option" and self.select and self.forms and self.forms[-1]:
                self._field(self.select)["choices"].append(attrs.get("value", ""))
            return
        name = attrs["name"]
        field = self._field(name)
        if tag == "select":
            self.select = name
        elif tag == "input":
            kind = attrs.get("type", "text")
            field["type"] = kind
            if kind in ("checkbox", "radio"):
                field["choices"].append(attrs.get("value", "on"))
                if "checked" in attrs:
                    field["value"] = attrs.get("value", "on")
            elif kind != "file":
                field["value"] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None

    def _field(self, name: str) -> dict:
        fields = self.forms[-1]["fields"]
        return fields.setdefault(name, {"type": "text", "choices": [], "value": ""})


def page_forms(url: str, html: str) -> list[tuple[str, dict]]:
    parser = Forms()
    parser.feed(html)
    return [(urljoin(url, f["action"]), f["fields"]) for f in parser.forms if f and f["fields"]]


def urls(objects: dict):
    """Yield every back-office page (with the organisation's own ids) and admin add page."""
    by_model = {type(obj): obj for obj in objects.values()}
    for name, pattern in walk_patterns():
        if name in SKIPPED or name.startswith("api-v1:"):
            continue
        kwargs = {}
        for key in pattern.pattern.converters:
            model = next(
                (m for (p, k), m in KWARG_MODELS.items() if name.startswith(p) and k == key),
                None,
            )
            if model is None or model not in by_model:
                break
            kwargs[key] = by_model[model].pk
        else:
            try:
                yield reverse(name, kwargs=kwargs)
            except NoReverseMatch:
                continue
    person = objects["person"].pk
    yield reverse("payments:payment-create") + f"?person={person}"  # the form once chosen
    yield reverse("payments:movement-detail", args=[objects["movement"].pk]) + f"?person={person}"
    for model in admin_site._registry:
        if issubclass(model, OrgModel):
            yield reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


@pytest.fixture
def forms(in_a, org_a, login):
    """Return the administrator's client and every POST form of every page it can open."""
    objects = populate(org_a, "A")
    client = login(org_a, Role.ADMINISTRATOR)
    found = []
    for url in dict.fromkeys(urls(objects)):
        response = client.get(url)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            found += page_forms(url, response.content.decode())
    assert len(found) >= 20
    return client, found


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def business_rows():
    rows = snapshot()
    rows.pop("core.AuditLog", None)  # reading a national number is logged, rightly
    return rows


def absurd_values(data, fields: dict) -> dict:
    """Return the form's values with some of them replaced by absurd ones."""
    values = {}
    for name, field in fields.items():
        current = field["value"] or (field["choices"][0] if field["choices"] else "")
        if name == "csrfmiddlewaretoken" or field["type"] == "file":
            continue
        options = [*field["choices"], *ABSURD] if field["choices"] else ABSURD
        if data.draw(st.booleans(), label=f"replace {name}"):
            values[name] = data.draw(st.sampled_from(options), label=name)
        elif current:
            values[name] = current
    return values


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_form_answers_500_nor_writes_what_it_refuses(forms, data):
    client, found = forms
    for url, fields in found:
        values = absurd_values(data, fields)
        with rolled_back():
            before = business_rows()
            response = client.post(url, values)
            assert response.status_code < 500, (url, values)
            if response.status_code == 200 or response.status_code >= 400:
                assert business_rows() == before, (url, values)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True)
    | st.sampled_from(ABSURD),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["token", "at", "place_id", "x"]), children, max_size=3)
    ),
    max_leaves=8,
)
SCAN_KEYS = ["client_event_id", "token", "place_id", "at", "direction", "person_id"]


@settings(
    max_examples=EXAMPLES * 5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    scans=st.lists(st.dictionaries(st.sampled_from(SCAN_KEYS), JSON_VALUES), max_size=3),
    query=st.dictionaries(st.sampled_from(["limit", "offset"]), st.sampled_from(ABSURD)),
    raw=st.sampled_from(["", "{", "[]", "null", '{"scans": 1}', "9" * 400]),
)
def test_no_api_body_answers_500(device_client, scans, query, raw):
    client, token, finance = device_client
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    with rolled_back():
        for body in (json.dumps({"scans": scans}), json.dumps(scans), raw):
            response = client.post(
                "/api/v1/scans", body, content_type="application/json", **headers
            )
            assert response.status_code < 500, (body, response.content)
        assert finance.get("/api/v1/statements", query).status_code < 500, query
        assert finance.get(f"/api/v1/jobs/{query.get('limit', '1')}").status_code < 500
        posted = finance.post("/api/v1/statements", {"file": raw})
        assert posted.status_code < 500, raw


@pytest.fixture
def device_client(in_a, org_a, login, client):
    populate(org_a, "A")
    with scope(org_a):
        device = Device(name="Scanner")
        token = device.new_token()
        device.save()
    return client, token, login(org_a, Role.FINANCE)
