"""The demo's permit service and its files, through the services only (DOMAIN §8).

"Occupation du domaine public": a container paid in advance at the counter (cash, with its
receipt), a scaffolding awaiting payment (its payment page and EPC QR code ready), an event
invoiced afterwards (approved: its invoice issued, to send from its page) and one still to
approve.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from regie.activities.models import ActivityCategory
from regie.activities.services import category_save
from regie.demo.identifiers import enterprise_number
from regie.fees.applicants import Applicant
from regie.fees.invoicing import file_invoice
from regie.fees.models import Service, ServiceFile, Way
from regie.fees.payments import file_pay_at_counter
from regie.fees.rules import Line
from regie.fees.services import FileData, file_push, service_save
from regie.payments.models import Mode

ZERO = Decimal("0")


@dataclass
class FeeStats:
    """What the demo's permit service holds: its files by reference."""

    service: str = ""
    files: dict[str, str] = field(default_factory=dict)  # reference: state


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
    """Create the permit service and its four files; pay one at the counter, invoice one."""
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
    file_pay_at_counter(file=pushed["OCC-DEMO-0001"], mode=Mode.CASH, day=today, user=user)
    file_invoice(file=pushed["EVT-DEMO-0001"], day=today)
    states = dict(ServiceFile.objects.filter(service=service).values_list("external_id", "state"))
    return FeeStats(service=service.name, files=states)
