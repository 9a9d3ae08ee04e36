"""The demo's permit service and its files, through the services only (DOMAIN §8).

"Occupation du domaine public": a container paid in advance at the counter (cash, with its
receipt), a scaffolding awaiting payment (its payment page and EPC QR code ready), a removal's
parking paid online through the simulated Mollie, an event invoiced afterwards (approved: its
invoice issued, to send from its page) and one still to approve. Each file paid in advance was
e-mailed its payment request when pushed: the demo has no mail server, so the e-mails are
written to files (``var/demo/mails``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.mail import get_connection
from django.urls import reverse

from regie.activities.models import ActivityCategory
from regie.activities.services import category_save
from regie.demo.identifiers import enterprise_number
from regie.documents.mail import sendings_send
from regie.documents.models import Sending, SendingStatus
from regie.fees import online
from regie.fees.applicants import Applicant
from regie.fees.documents import PAYMENT_REQUEST
from regie.fees.fake_mollie import FakeMollie, settings_for_demo
from regie.fees.invoicing import file_invoice
from regie.fees.models import MollieSettings, Service, ServiceFile, Way
from regie.fees.payments import file_open, file_pay_at_counter
from regie.fees.rules import Line
from regie.fees.services import FileData, file_push, service_save
from regie.payments.models import Mode

ZERO = Decimal("0")


@dataclass
class FeeStats:
    """What the demo's permit service holds: its files by reference."""

    service: str = ""
    files: dict[str, str] = field(default_factory=dict)  # reference: state
    requests_sent: int = 0  # payment requests e-mailed (to files: var/demo/mails)
    mollie_payment: str = ""  # the Mollie payment (tr_…) of the file paid online


def _applicant(last: str, first: str, email: str, language: str = "fr", **more) -> Applicant:
    return Applicant(
        last_name=last,
        first_name=first,
        street=more.pop("street", "Rue de la Mehaigne 12"),
        postcode="5380",
        city="Noville-les-Bois",
        email=email,
        language=language,
        **more,
    )


def _files(today: dt.date) -> list[FileData]:
    week = today + dt.timedelta(days=7)
    return [
        FileData(
            external_id="OCC-DEMO-0001",
            applicant=_applicant("Lambert", "Julie", "julie.lambert@example.be"),
            description="Conteneur sur la voie publique, rue de la Mehaigne 12",
            lines=(Line("Conteneur, par jour", Decimal("2"), 1500, ZERO),),
            way=Way.ADVANCE,
            date_from=week,
            date_to=week + dt.timedelta(days=1),
        ),
        FileData(
            external_id="OCC-DEMO-0002",
            applicant=_applicant("Peeters", "Jan", "jan.peeters@example.be", "nl"),
            description="Échafaudage, façade de la rue du Moulin 3",
            lines=(
                Line("Échafaudage, par m² et par jour", Decimal("12"), 50, ZERO),
                Line("Signalisation", Decimal("1"), 2500, ZERO),
            ),
            way=Way.ADVANCE,
            date_from=week,
            date_to=week + dt.timedelta(days=4),
        ),
        FileData(
            external_id="OCC-DEMO-0003",
            applicant=_applicant(
                "Schmitz", "Anna", "anna.schmitz@example.be", "de", street="Rue du Moulin 8"
            ),
            description="Stationnement réservé pour un déménagement, rue du Moulin 8",
            lines=(Line("Emplacement réservé (2 véhicules), par jour", Decimal("2"), 1250, ZERO),),
            way=Way.ADVANCE,
            date_from=week,
            date_to=week + dt.timedelta(days=1),
        ),
        FileData(
            external_id="EVT-DEMO-0001",
            applicant=_applicant(
                "Comité des fêtes de Noville",
                "",
                "comite.fetes@example.be",
                enterprise_number=enterprise_number(41234567),
                street="Place communale 4",
            ),
            description="Fête de la Saint-Jean, place communale",
            lines=(
                Line("Occupation de la place, par jour", Decimal("2"), 12000, ZERO),
                Line("Barrières Nadar, par unité", Decimal("40"), 250, ZERO),
            ),
            way=Way.AFTERWARDS,
            date_from=week,
            date_to=week + dt.timedelta(days=1),
        ),
        FileData(
            external_id="EVT-DEMO-0002",
            applicant=_applicant("Dubois", "Marc", "marc.dubois@example.be"),
            description="Brocante de la rue Haute",
            lines=(Line("Occupation de la voirie, par jour", Decimal("1"), 8000, ZERO),),
            way=Way.AFTERWARDS,
            date_from=week,
            date_to=week,
        ),
    ]


def fees_for_demo(*, today: dt.date, user=None) -> FeeStats:
    """Create the permit service and its five files; pay one at the counter and one online,
    invoice one."""
    category = category_save(category=ActivityCategory(name="Redevances (permis)", code="permis"))
    service = service_save(
        service=Service(
            name="Occupation du domaine public",
            category=category,
            budget_article="040/161-48",
            days_to_pay=15,
        )
    )
    pushed = {data.external_id: file_push(service=service, data=data)[0] for data in _files(today)}
    sent = _requests_send()
    file_pay_at_counter(file=pushed["OCC-DEMO-0001"], mode=Mode.CASH, day=today, user=user)
    mollie_id = _pay_online(pushed["OCC-DEMO-0003"], today)
    file_invoice(file=pushed["EVT-DEMO-0001"], day=today)
    states = dict(ServiceFile.objects.filter(service=service).values_list("external_id", "state"))
    return FeeStats(
        service=service.name, files=states, requests_sent=sent, mollie_payment=mollie_id
    )


def mails_folder() -> Path:
    """Where the demo writes the e-mails it sends (it has no mail server)."""
    return Path(settings.VAR_DIR) / "demo" / "mails"


def _requests_send() -> int:
    """Send the payment requests the pushes queued, now, to files; return how many were sent."""
    queued = Sending.objects.filter(kind=PAYMENT_REQUEST, status=SendingStatus.QUEUED)
    ids = list(queued.order_by("pk").values_list("pk", flat=True))
    folder = mails_folder()
    folder.mkdir(parents=True, exist_ok=True)
    connection = get_connection(
        "django.core.mail.backends.filebased.EmailBackend", file_path=str(folder)
    )
    return sendings_send(ids, connection=connection)["sent"]


def _pay_online(file: ServiceFile, today: dt.date) -> str:
    """Pay a file online as an applicant would, through a simulated Mollie started for the
    load (``regie serve`` starts its own later): the payment is created at Mollie, paid on its
    checkout, and Mollie's webhook records it (:func:`regie.fees.online.webhook_receive`):
    the file is paid and the money waits on *Online payments in transit*. Return its id."""
    if not MollieSettings.objects.filter(is_active=True).exists():
        settings_for_demo()
    mollie = MollieSettings.objects.get(is_active=True)
    endpoint = mollie.api_endpoint
    with FakeMollie() as fake:  # on a free port, for the time of the load
        mollie.api_endpoint = fake.url
        online.mollie_settings_save(settings=mollie)
        try:
            checkout = online.checkout_open(
                organisation=file.organisation,
                communication=file.communication,
                amount_cents=file_open(file),
                redirect_url=settings.REGIE_PUBLIC_URL + reverse("fees:pay", args=[file.pay_token]),
                webhook_url="",  # nothing listens yet: the webhook's work is done below
                file=file,
                locale=file.person.language,
                metadata={"file": file.external_id, "version": file.version},
            )
            fake.pay(checkout.mollie_id)  # the applicant's "Pay" on the checkout page
            fake.payments[checkout.mollie_id]["paidAt"] = f"{today.isoformat()}T10:15:00+00:00"
            online.webhook_receive(checkout.mollie_id)
        finally:
            mollie.api_endpoint = endpoint
            online.mollie_settings_save(settings=mollie)
    return checkout.mollie_id
