"""Services are the only writers: the models' rules run whatever the path (issue 12).

Each record is written through its service with an invalid value and refused, then with a
valid one and saved; the screens and the admin call the same services.
"""

from __future__ import annotations

from datetime import date, time

import pytest
from django.core.exceptions import ValidationError
from tests import factories as f

from regie.activities.models import Activity, ActivityCategory, Place, Price
from regie.activities.services import activity_save, category_save, place_save, price_save
from regie.attendance.devices import device_create, device_save, device_token_renew
from regie.attendance.models import Device
from regie.billing.models import BillingRun
from regie.billing.runs import run_open, run_start
from regie.core.errors import DomainError
from regie.core.models import Job, Organisation
from regie.core.services import organisation_save
from regie.people.models import Child, Person, SchoolClass, SchoolSite, TariffCategory
from regie.people.services import (
    child_save,
    class_save,
    person_save,
    site_save,
    tariff_category_save,
)

pytestmark = pytest.mark.django_db


def activity_of(**fields) -> Activity:
    values = {
        "name": "Accueil du soir",
        "category": f.category(),
        "place": f.place(),
        "date_from": date(2025, 9, 1),
        "start_time": time(16, 0),
        "end_time": time(18, 0),
    }
    return Activity(**{**values, **fields})


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"start_time": time(18, 0), "end_time": time(16, 0)}, "end_time"),
        ({"levels": ["P9"]}, "levels"),
        ({"date_to": date(2025, 8, 1)}, "date_to"),
        ({"name": ""}, "name"),
    ],
)
def test_an_invalid_activity_is_refused_by_the_service(in_a, fields, field):
    with pytest.raises(ValidationError) as caught:
        activity_save(activity=activity_of(**fields))
    assert field in caught.value.message_dict
    assert not Activity.objects.exists()


def test_a_valid_activity_is_saved_and_a_conflicting_one_refused(in_a):
    first = activity_save(activity=activity_of())
    assert first.pk
    with pytest.raises(DomainError) as caught:
        activity_save(activity=activity_of(name="Autre", start_time=time(17, 0)))
    assert caught.value.code == "activity.conflict"


def test_a_price_out_of_range_or_without_activity_is_refused(in_a):
    evening = activity_save(activity=activity_of())
    huge = Price(name="Soir", period_minutes=30, unit_cents=10**20, valid_from=date(2025, 9, 1))
    with pytest.raises(ValidationError) as caught:
        price_save(price=huge, activities=[evening], categories=[])
    assert "unit_cents" in caught.value.message_dict
    alone = Price(name="Soir", period_minutes=30, unit_cents=50, valid_from=date(2025, 9, 1))
    with pytest.raises(DomainError) as refused:
        price_save(price=alone, activities=[], categories=[])
    assert refused.value.code == "pricing.no_activity"
    assert not Price.objects.exists()
    saved = price_save(price=alone, activities=[evening], categories=[])
    assert list(saved.activities.all()) == [evening]


def test_places_and_categories_keep_their_names_and_codes_unique(in_a):
    place_save(place=Place(name="École du Centre"))
    category_save(category=ActivityCategory(name="Accueil", code="accueil"))
    with pytest.raises(ValidationError):
        place_save(place=Place(name="École du Centre"))
    with pytest.raises(ValidationError):
        category_save(category=ActivityCategory(name="Autre", code="accueil"))
    with pytest.raises(ValidationError):
        category_save(category=ActivityCategory(name="Code", code="pas un code"))
    assert Place.objects.count() == ActivityCategory.objects.count() == 1


def test_registry_records_are_validated(in_a):
    site = site_save(site=SchoolSite(name="École du Centre"))
    other = site_save(site=SchoolSite(name="École du Bois"))
    wrong_class = SchoolClass(site=site, name="P3 A", level="P9")
    with pytest.raises(ValidationError):
        class_save(school_class=wrong_class)
    p3 = class_save(school_class=SchoolClass(site=site, name="P3 A", level="P3"))
    tariff_category_save(category=TariffCategory(name="CPAS", code="cpas"))
    with pytest.raises(ValidationError):
        tariff_category_save(category=TariffCategory(name="CPAS bis", code="cpas"))
    with pytest.raises(ValidationError) as caught:
        person_save(person=Person(last_name="Dupont", delivery="email"))
    assert "email" in caught.value.message_dict
    with pytest.raises(ValidationError):
        person_save(
            person=Person(last_name="Dupont", delivery="email", email="a@b.be", iban="BE00")
        )
    parent = person_save(person=Person(last_name="Dupont", delivery="email", email="a@b.be"))
    assert parent.pk
    child = Child(last_name="Dupont", first_name="Léa", birth_date=date(2017, 3, 14))
    child.site, child.school_class = other, p3
    with pytest.raises(ValidationError) as wrong:
        child_save(child=child)
    assert "school_class" in wrong.value.message_dict
    child.site = None
    saved = child_save(child=child)
    assert (saved.site, saved.level) == (site, "P3")


def test_organisations_are_validated(db):
    with pytest.raises(ValidationError) as caught:
        organisation_save(organisation=Organisation(name="X", enterprise_number="123"))
    assert "enterprise_number" in caught.value.message_dict
    assert not Organisation.objects.filter(name="X").exists()


def test_a_device_gets_a_token_shown_once(in_a):
    with pytest.raises(ValidationError):
        device_create(device=Device(name=""))
    device, token = device_create(device=Device(name="Téléphone"))
    assert device.token_hash == Device.hash_token(token)
    device.name = "Tablette"
    device_save(device=device)
    renewed = device_token_renew(device=device)
    device.refresh_from_db()
    assert (device.name, device.token_hash) == ("Tablette", Device.hash_token(renewed))


def test_a_run_is_opened_with_its_categories_and_started_as_a_job(
    in_a, django_capture_on_commit_callbacks
):
    kind = f.category()
    period = {"date_from": date(2026, 1, 1), "date_to": date(2026, 1, 31)}
    dates = {"invoice_date": date(2026, 2, 1), "due_date": date(2026, 3, 3)}
    with pytest.raises(DomainError) as caught:
        run_open(categories=[], **period, **dates)
    assert caught.value.code == "billing.no_category"
    with pytest.raises(DomainError):
        run_open(
            categories=[kind], **period, invoice_date=date(2026, 2, 1), due_date=date(2026, 1, 1)
        )
    assert not BillingRun.objects.exists()
    with django_capture_on_commit_callbacks() as callbacks:
        job = run_start(categories=[kind], **period, **dates)
    run = BillingRun.objects.get(pk=job.parameters["run_id"])
    assert list(run.categories.all()) == [kind]
    assert job.status == Job.Status.QUEUED and len(callbacks) == 1


def test_a_persons_phone_is_validated_and_formatted(in_a):
    person = Person(last_name="Dupont", delivery="email", email="a@b.be", phone="0470 12 34 5")
    with pytest.raises(ValidationError) as caught:
        person_save(person=person)
    assert "phone" in caught.value.message_dict
    person.phone = "0470/12.34.56"
    assert person_save(person=person).phone == "+32 470 12 34 56"
