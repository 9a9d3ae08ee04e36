"""Builders of services and pushed files for the fees tests (inside an active scope)."""

from __future__ import annotations

from decimal import Decimal

from tests import factories as f

from regie.fees.applicants import Applicant
from regie.fees.models import Service
from regie.fees.rules import Line
from regie.fees.services import FileData, service_save


def service(name: str = "Occupation du domaine public", **fields) -> Service:
    return service_save(
        service=Service(
            name=name,
            category=f.category("permis", "Permis"),
            budget_article="040/161-48",
            **fields,
        )
    )


def applicant(**fields) -> Applicant:
    values = {
        "last_name": "Lambert",
        "first_name": "Julie",
        "street": "Rue Haute 3",
        "postcode": "5000",
        "city": "Namur",
        "email": "julie.lambert@example.be",
    }
    return Applicant(**(values | fields))


def container(external_id: str = "OCC-2026-0042", days: str = "2", **fields) -> FileData:
    """Worked example 13: a container on the public road, 2 days at 15.00."""
    values = {
        "external_id": external_id,
        "applicant": applicant(),
        "description": "Conteneur sur la voie publique, rue Haute 3",
        "lines": (Line("Conteneur, par jour", Decimal(days), 1500, Decimal("0")),),
    }
    return FileData(**(values | fields))


def mollie_on(fake, api_key: str = "test_communeA1234567890"):
    """Point the active organisation's Mollie settings at the simulated Mollie ``fake``."""
    from regie.fees.models import MollieSettings
    from regie.fees.online import mollie_settings_save

    return mollie_settings_save(
        settings=MollieSettings(api_endpoint=fake.url, is_active=True), api_key=api_key
    )


def paid_online(org, fake, day):
    """Push a file, pay it on the simulated Mollie and record the payment as the webhook does;
    return the file and Mollie's payment id."""
    from regie.fees import mollie
    from regie.fees.services import file_push
    from regie.payments.online import record_online_payment

    mollie_on(fake)
    file, _ = file_push(service=service(), data=container())
    created = mollie.payment_create(
        organisation=org,
        amount_cents=3000,
        communication=file.communication,
        redirect_url="http://t/r",
        webhook_url="http://t/w",
        idempotency_key="k-1",
    )
    fake.pay(created["id"])
    record_online_payment(
        provider_payment_id=created["id"],
        amount_cents=3000,
        communication=file.communication,
        paid_on=day,
    )
    file.refresh_from_db()
    return file, created["id"]
