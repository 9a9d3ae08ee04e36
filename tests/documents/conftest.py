"""Posted invoices to print and send: three families speaking French, Dutch and German.

Built through the real services (scans, a billing run, posting), as in tests/billing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from tests import factories as f
from tests.billing.test_runs import attend, evening, new_run  # noqa: F401 - fixture reused
from tests.documents.smtp import smtp_server  # noqa: F401 - fixture

from regie.billing.models import BillingRun, Invoice
from regie.billing.runs import run_create, run_post
from regie.core.models import Organisation
from regie.people.models import Person

IBAN = "BE71096123456769"
BIC = "GKCCBEBB"


@dataclass
class Family:
    person: Person
    invoice: Invoice


def family(last, first, *, language, delivery, email="", street="", postcode="", city=""):
    person = f.person(last, first)
    person.language, person.delivery, person.email = language, delivery, email
    person.street, person.postcode, person.city = street, postcode, city
    person.save()
    return person


@pytest.fixture
def families(in_a, evening):  # noqa: F811 - the fixture imported above
    """Four posted invoices of one run: fr and nl by e-mail, de and fr by post."""
    Organisation.objects.filter(pk=in_a.pk).update(iban=IBAN, bic=BIC)
    in_a.refresh_from_db()
    persons = {
        "fr": family(
            "Dupont",
            "Anne",
            language="fr",
            delivery="email",
            email="anne@example.be",
            street="Rue de la Gare 12",
            postcode="5000",
            city="Namur",
        ),
        "nl": family(
            "Peeters",
            "Jan",
            language="nl",
            delivery="email",
            email="jan@example.be",
            street="Stationsstraat 3",
            postcode="3000",
            city="Leuven",
        ),
        "de": family(
            "Schmidt",
            "Lena",
            language="de",
            delivery="post",
            street="Kirchstraße 7",
            postcode="4700",
            city="Eupen",
        ),
        "post": family(
            "Lambert",
            "Marc",
            language="fr",
            delivery="post",
            street="Rue Haute 1",
            postcode="1000",
            city="Bruxelles",
        ),
    }
    for n, person in enumerate(persons.values()):
        child = f.child(f"Enfant{n}", person.last_name, parent=person)
        attend(child, evening)  # 95 minutes: 4 periods of 0,50 €
        attend(child, evening, day=date(2025, 10, 2), entry="16:00", leave="16:20")  # 1 period
    run = run_post(run_create(new_run(evening)))
    invoices = {i.person_id: i for i in Invoice.objects.filter(run=run)}
    return {key: Family(p, invoices[p.pk]) for key, p in persons.items()}


@pytest.fixture
def run(families) -> BillingRun:
    return BillingRun.objects.get()
