"""Service files pushed by a service's system (DOMAIN §8): idempotent pushes, versions,
applicants found or created, refusals with named reasons."""

from __future__ import annotations

import doctest
from datetime import date
from decimal import Decimal

import pytest
from tests import factories as f
from tests.fees import builders as b

from regie.core.errors import DomainError
from regie.fees import rules
from regie.fees.models import FileState, FileVersion, ServiceFile, Way
from regie.fees.payments import file_pay_at_counter
from regie.fees.rules import Line
from regie.fees.services import Outcome, file_cancel, file_push
from regie.payments.models import Mode
from regie.people.models import Person


def test_rules_doctests():
    assert doctest.testmod(rules).failed == 0


def test_a_file_paid_in_advance_awaits_its_amount_under_its_own_communication(in_a):
    service = b.service()
    file, outcome = file_push(service=service, data=b.container())
    assert outcome == Outcome.CREATED
    assert (file.amount_cents, file.state, file.version) == (3000, FileState.AWAITING_PAYMENT, 1)
    assert file.communication.startswith("105") and len(file.communication) == 12
    assert file.person.email == "julie.lambert@example.be"
    assert [line.amount_cents for line in file.versions.get().lines.all()] == [3000]


def test_the_same_push_twice_changes_nothing_and_answers_the_same(in_a):
    service = b.service()
    first, _ = file_push(service=service, data=b.container())
    again, outcome = file_push(service=service, data=b.container())
    assert outcome == Outcome.UNCHANGED
    assert (again.pk, again.communication, again.version) == (first.pk, first.communication, 1)
    assert FileVersion.objects.count() == 1 and Person.objects.count() == 1


def test_a_different_push_of_a_known_id_is_refused_unless_it_is_a_new_version(in_a):
    service = b.service()
    file, _ = file_push(service=service, data=b.container())
    with pytest.raises(DomainError) as refused:
        file_push(service=service, data=b.container(days="3"))
    assert refused.value.code == "fees.file_exists"
    file, outcome = file_push(service=service, data=b.container(days="3"), new_version=True)
    assert outcome == Outcome.NEW_VERSION
    assert (file.version, file.amount_cents) == (2, 4500)
    old, new = file.versions.order_by("number")
    assert old.communication != new.communication == file.communication
    _, again = file_push(service=service, data=b.container(days="3"), new_version=True)
    assert again == Outcome.UNCHANGED


def test_a_new_version_of_an_unknown_file_is_refused(in_a):
    with pytest.raises(DomainError) as refused:
        file_push(service=b.service(), data=b.container(), new_version=True)
    assert refused.value.code == "fees.unknown_file"


def test_a_new_version_after_payment_or_cancellation_is_refused_with_its_reason(in_a):
    service = b.service()
    paid, _ = file_push(service=service, data=b.container("A"))
    file_pay_at_counter(file=paid, mode=Mode.CARD, day=date(2026, 5, 4))
    cancelled, _ = file_push(service=service, data=b.container("B"))
    file_cancel(file=cancelled)
    for external_id, code in (("A", "version_after_payment"), ("B", "version_after_cancel")):
        with pytest.raises(DomainError) as refused:
            file_push(service=service, data=b.container(external_id, days="5"), new_version=True)
        assert refused.value.code == f"fees.{code}"


def test_cancelling_twice_is_harmless_and_a_paid_file_is_not_cancelled_by_its_system(in_a):
    service = b.service()
    file, _ = file_push(service=service, data=b.container("A"))
    assert file_cancel(file=file)[1] == Outcome.CANCELLED
    assert file_cancel(file=file)[1] == Outcome.UNCHANGED
    paid, _ = file_push(service=service, data=b.container("B"))
    file_pay_at_counter(file=paid, mode=Mode.CASH)
    with pytest.raises(DomainError) as refused:
        file_cancel(file=paid)
    assert refused.value.code == "fees.cancel_paid"


def test_a_file_to_pay_afterwards_waits_to_be_invoiced(in_a):
    file, _ = file_push(service=b.service(), data=b.container(way=Way.AFTERWARDS))
    assert file.state == FileState.TO_INVOICE


def test_the_service_default_way_applies_when_the_push_names_none(in_a):
    service = b.service(default_way=Way.AFTERWARDS, days_to_pay=30)
    file, _ = file_push(service=service, data=b.container())
    assert file.way == Way.AFTERWARDS


@pytest.mark.parametrize(
    "change, code",
    [
        ({"lines": ()}, "fees.no_lines"),
        ({"lines": (Line("x", Decimal("-1"), 100, Decimal("0")),)}, "fees.line_quantity"),
        ({"lines": (Line("x", Decimal("1"), 100, Decimal("5")),)}, "fees.line_vat_rate"),
        ({"description": "  "}, "fees.no_description"),
        ({"way": "later"}, "fees.bad_way"),
        ({"date_from": date(2026, 5, 2), "date_to": date(2026, 5, 1)}, "fees.dates_reversed"),
        (
            {"applicant": b.applicant(national_number="85073003329")},
            "fees.applicant_national_number",
        ),
        (
            {"applicant": b.applicant(enterprise_number="0207451228")},
            "fees.applicant_enterprise_number",
        ),
        ({"applicant": b.applicant(email="", street="")}, "fees.applicant_invalid"),
    ],
)
def test_a_bad_push_is_refused_with_a_named_reason_and_stores_nothing(in_a, change, code):
    with pytest.raises(DomainError) as refused:
        file_push(service=b.service(), data=b.container(**change))
    assert refused.value.code == code
    assert not ServiceFile.objects.exists()


def test_the_applicant_is_found_by_national_number_then_enterprise_number_then_email(in_a):
    known = f.person("Lambert", "Julie")
    known.national_number, known.email = "85073003328", "autre@example.be"
    known.save()
    company = Person.objects.create(last_name="Construct SA", enterprise_number="0207451227")
    by_mail = Person.objects.create(last_name="Piron", email="piron@example.be")
    service = b.service()
    pushes = {
        "N": b.applicant(national_number="85.07.30-033.28"),
        "E": b.applicant(last_name="Construct", enterprise_number="BE 0207.451.227"),
        "M": b.applicant(last_name="Piron", email="PIRON@example.be"),
    }
    found = {
        key: file_push(service=service, data=b.container(key, applicant=who))[0].person
        for key, who in pushes.items()
    }
    assert found == {"N": known, "E": company, "M": by_mail}


def test_an_unknown_company_is_registered_with_its_checked_enterprise_number(in_a):
    who = b.applicant(
        last_name="Déménagements Dubois SRL",
        first_name="",
        enterprise_number="0207.451.227",
        language="nl",
    )
    file, _ = file_push(service=b.service(), data=b.container(applicant=who))
    assert (file.person.enterprise_number, file.person.language) == ("0207451227", "nl")


def test_files_of_two_services_may_share_an_id(in_a):
    first, _ = file_push(service=b.service("Voirie"), data=b.container())
    second, _ = file_push(service=b.service("Événements"), data=b.container())
    assert first.pk != second.pk


def test_an_inactive_service_pushes_nothing(in_a):
    with pytest.raises(DomainError) as refused:
        file_push(service=b.service(is_active=False), data=b.container())
    assert refused.value.code == "fees.service_inactive"


def test_the_fingerprint_of_a_push_never_changes():
    """Files pushed before an upgrade are recognised after it: pushing them again is still
    the same push (worked example 13's fingerprint, pinned)."""
    data = b.container(date_from=date(2026, 5, 4), date_to=date(2026, 5, 5), way="advance")
    assert rules.push_digest(data.pushed()) == (
        "c90118f7746abeb433e20237c0339c5fa1903212b5f5d0d00b0b06b8eed983a3"
    )
    assert data.pushed()["lines"] == [
        {"label": "Conteneur, par jour", "quantity": "2", "unit_cents": 1500, "vat_rate": "0"}
    ]
