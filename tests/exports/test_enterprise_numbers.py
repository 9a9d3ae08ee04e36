"""One place holds a debtor's enterprise number: the person (issue 16's field, checked digits).

The export reads it from there, the person's page edits it, and the rows exports kept on its
own are moved to the persons by a data migration (the person's number kept when it differs).
"""

from __future__ import annotations

import logging
from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from lxml import etree
from tests.exports.builders import csv_lines, fatal, post, ubl_files, world

from regie.core.models import Role
from regie.core.tenancy import scope
from regie.exports.services import export_create
from regie.people.models import Person

BEFORE = [("exports", "0001_initial"), ("people", "0004_child_severe_disability")]
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


def test_the_export_reaches_a_company_at_the_persons_enterprise_number(in_a):
    setup, parent = world()
    parent.last_name, parent.first_name = "Construct SA", ""
    parent.enterprise_number = "0207451227"
    parent.save()
    invoice = post(setup, parent, 4000, date(2026, 3, 10))
    export = export_create(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31),
                           formats=["csv", "ubl"])  # fmt: skip
    header, *rows = csv_lines(export)
    column = header.index("enterprise_number")
    assert {row[column] for row in rows} == {"0207451227"}
    (content,) = ubl_files(export).values()
    assert fatal(content) == []
    buyer = etree.fromstring(content).find(f"{{{CAC}}}AccountingCustomerParty")
    endpoint = buyer.find(f".//{{{CBC}}}EndpointID")
    assert (endpoint.get("schemeID"), endpoint.text) == ("0208", "0207451227")
    assert invoice.number in export.items.values_list("number", flat=True)


def test_the_persons_page_shows_and_edits_the_enterprise_number(org_a, login):
    client = login(org_a, Role.COORDINATOR)
    with scope(org_a):
        person = Person.objects.create(last_name="Construct SA", delivery="email",
                                       email="compta@construct.be")  # fmt: skip
    data = {
        "last_name": "Construct SA",
        "language": "fr",
        "delivery": "email",
        "email": "compta@construct.be",
        "country": "BE",
        "is_active": "on",
    }
    url = reverse("people:person-update", args=[person.pk])
    refused = client.post(url, data | {"enterprise_number": "0207.451.228"})
    assert "enterprise_number" in refused.context["form"].errors
    assert client.post(url, data | {"enterprise_number": "BE 0207.451.227"}).status_code == 302
    with scope(org_a):
        person.refresh_from_db()
    assert person.enterprise_number == "0207451227"
    page = client.get(reverse("people:person-detail", args=[person.pk])).content.decode()
    assert "0207.451.227" in page


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_the_exports_numbers_to_the_persons(org_a, org_b, caplog):
    """A number the person lacks is copied; a person with another number keeps hers (logged);
    a number failing its check digits is not copied (logged); another organisation's row
    goes to its own person."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    people = apps.get_model("people", "Person")._base_manager
    numbers = apps.get_model("exports", "EnterpriseNumber")._base_manager
    empty = people.create(organisation_id=org_a.pk, last_name="Sans numéro")
    other = people.create(
        organisation_id=org_a.pk, last_name="Autre", enterprise_number="0403019261"
    )
    wrong = people.create(organisation_id=org_a.pk, last_name="Faux")
    in_b = people.create(organisation_id=org_b.pk, last_name="Ailleurs")
    for person, number in ((empty, "0207451227"), (other, "0207451227"), (wrong, "0207451228"),
                           (in_b, "0403019261")):  # fmt: skip
        numbers.create(organisation_id=person.organisation_id, person_id=person.pk, number=number)

    with caplog.at_level(logging.WARNING, logger="regie.exports"):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    found = dict(Person.unscoped_objects.values_list("last_name", "enterprise_number"))
    assert found == {"Sans numéro": "0207451227", "Autre": "0403019261", "Faux": "",
                     "Ailleurs": "0403019261"}  # fmt: skip
    logged = caplog.text
    assert f"person {other.pk} keeps enterprise number 0403019261" in logged
    assert f"person {wrong.pk}" in logged and "0207451228" in logged
    assert "exports_enterprisenumber" not in connection.introspection.table_names()
