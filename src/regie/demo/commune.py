"""Create the demo organisations and their users."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from schwifty import IBAN

from regie.core.models import Language, Membership, Organisation, OrganisationKind, Role, User
from regie.core.tenancy import scope
from regie.demo.identifiers import belgian_iban, enterprise_number
from regie.demo.registry import RegistryStats, build_registry

DEMO_NAME = "Commune de Val-de-Mehaigne"
DEMO_PASSWORD = "regie-demo"  # noqa: S105 - printed on purpose: it is the demo's login
DEMO_USERS = (
    ("admin", Role.ADMINISTRATOR, "Anne", "Administratrice"),
    ("coordination", Role.COORDINATOR, "Claire", "Coordinatrice"),
    ("finances", Role.FINANCE, "François", "Financier"),
    ("accueil", Role.STAFF, "Aline", "Accueillante"),
    ("audit", Role.AUDITOR, "Albert", "Auditeur"),
)


def demo_organisation() -> Organisation | None:
    return Organisation.objects.filter(name=DEMO_NAME).first()


@transaction.atomic
def build_demo(*, children: int = 400, seed: int = 2026, today: dt.date | None = None):
    """Create the demo commune, a second organisation (its CPAS) and one user per role."""
    today = today or dt.date.today()
    iban = belgian_iban(1234567, "091")
    commune = Organisation(
        name=DEMO_NAME,
        kind=OrganisationKind.COMMUNE,
        street="Place communale 1",
        postcode="5380",
        city="Noville-les-Bois",
        enterprise_number=enterprise_number(20745122),
        iban=iban,
        bic=IBAN(iban).bic.compact,
        language=Language.FR,
    )
    commune.full_clean()
    commune.save()
    cpas = Organisation(
        name="CPAS de Val-de-Mehaigne",
        kind=OrganisationKind.CPAS,
        street="Rue de la Station 10",
        postcode="5380",
        city="Franc-Waret",
        enterprise_number=enterprise_number(21233401),
        iban=belgian_iban(7654321, "091"),
        language=Language.FR,
    )
    cpas.full_clean()
    cpas.save()
    for username, role, first, last in DEMO_USERS:
        user = User.objects.create_user(
            username, password=DEMO_PASSWORD, first_name=first, last_name=last
        )
        Membership.objects.create(user=user, organisation=commune, role=role)
        if role == Role.ADMINISTRATOR:
            Membership.objects.create(user=user, organisation=cpas, role=role)
    with scope(commune):
        stats = build_registry(commune, children=children, seed=seed, today=today)
    with scope(cpas):
        build_registry(cpas, children=max(10, children // 20), seed=seed + 1, today=today)
    return commune, stats


def describe(stats: RegistryStats) -> str:
    return (
        f"{stats.sites} school sites, {stats.classes} classes, {stats.children} children, "
        f"{stats.persons} persons, {stats.without_attestable} children without attestable parent"
    )
