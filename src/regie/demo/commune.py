"""Create the demo organisations and their users."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.db import transaction
from schwifty import IBAN

from regie.core.models import Language, Membership, Organisation, OrganisationKind, Role, User
from regie.core.money import format_cents
from regie.core.services import organisation_save
from regie.core.tenancy import scope
from regie.demo.billing import BillingStats, build_billing
from regie.demo.collection import CollectionStats, build_collection
from regie.demo.identifiers import belgian_iban, enterprise_number
from regie.demo.payments import PaymentStats, build_payments, statement_import
from regie.demo.registry import RegistryStats, build_registry
from regie.demo.scans import ScanStats, build_attendance, build_scans, verify_period
from regie.demo.second_factor import enrol_demo_user
from regie.scanning.demo import door_for_demo

DEMO_NAME = "Commune de Val-de-Mehaigne"
DEMO_PASSWORD = "regie-demo"  # noqa: S105 - printed on purpose: it is the demo's login
DEMO_USERS = (
    ("admin", Role.ADMINISTRATOR, "Anne", "Administratrice"),
    ("coordination", Role.COORDINATOR, "Claire", "Coordinatrice"),
    ("finances", Role.FINANCE, "François", "Financier"),
    ("accueil", Role.STAFF, "Aline", "Accueillante"),
    ("audit", Role.AUDITOR, "Albert", "Auditeur"),
)


@dataclass
class DemoStats(RegistryStats):
    """The registry's figures, the attendance's (scans, meals, days verified), the billing's
    and the bank's."""

    attendance: ScanStats | None = None
    billing: BillingStats | None = None
    payments: PaymentStats | None = None
    collection: CollectionStats | None = None
    exports: object | None = None  # regie.exports.demo.ExportStats
    certificates: object | None = None  # regie.certificates.demo.CertificateStats
    views: int = 0  # saved pivot views shared in the commune
    fees: object | None = None  # regie.fees.demo.FeeStats


def demo_organisation() -> Organisation | None:
    return Organisation.objects.filter(name=DEMO_NAME).first()


@transaction.atomic
def build_demo(*, children: int = 400, seed: int = 2026, today: dt.date | None = None):
    """Create the demo commune, a second organisation (its CPAS) and one user per role.

    The commune also gets its childcare (places, activities, prices) and the scans and meals of
    last month and this month up to yesterday, verified; last month billed and posted, this
    month's invoices in draft; an early bank statement imported and the next one written to
    ``var/demo/``, ready to import.
    """
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
    organisation_save(organisation=commune)
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
    organisation_save(organisation=cpas)
    staff_id = finance = None
    for username, role, first, last in DEMO_USERS:
        user = User.objects.create_user(
            username, password=DEMO_PASSWORD, first_name=first, last_name=last
        )
        Membership.objects.create(user=user, organisation=commune, role=role)
        if role == Role.STAFF:
            staff_id = user.pk
        if role == Role.FINANCE:
            finance = user
        if role == Role.ADMINISTRATOR:
            Membership.objects.create(user=user, organisation=cpas, role=role)
    enrol_demo_user(finance)
    with scope(commune):
        registry = build_registry(commune, children=children, seed=seed, today=today)
        from regie.fees.fake_mollie import settings_for_demo

        settings_for_demo()  # online payment through the simulated Mollie `regie serve` starts
        setup, attendance = build_attendance(commune, seed=seed, today=today, staff_id=staff_id)
        if staff_id is not None:
            door_for_demo(staff_id)
        billing = build_billing(today=today, user=finance)
        if billing.posted_run is not None:
            from regie.documents.demo import documents_for_demo

            # The posted run's PDFs (fr, nl, de), its ZIP, the post PDF and e-mail templates.
            billing.documents = documents_for_demo(billing.posted_run)
        from regie.certificates.demo import certificates_for_demo

        # Last year lived for a week (after the billing's run in error, before the statements
        # of the collection, in date order), billed and paid: its tax certificates, built.
        certificates = certificates_for_demo(
            setup=setup,
            today=today,
            scan=lambda first, last: build_scans(  # its own seed: its own event ids
                commune, setup, seed=seed + first.year, date_from=first, date_to=last, meals=False
            ),
            verify=verify_period,
            pay=lambda day, paid: statement_import(commune, day, paid, seed=seed, user=finance),
            user=finance,
        )
        collection = build_collection(
            today=today,
            user=finance,
            pay=lambda day, paid: statement_import(commune, day, paid, seed=seed, user=finance),
        )
        payments = build_payments(
            commune, seed=seed, today=today, user=finance, extra=collection.to_pay
        )
        from regie.fees.demo import fees_for_demo

        # A permit service: files paid at the counter, awaiting payment, invoiced afterwards
        # (before the exports: the paid file travels in the second one as a service fee).
        fees = fees_for_demo(today=today, user=finance)
        exports = None
        if billing.posted_run is not None:
            from regie.exports.demo import exports_for_demo

            # Last month exported; a credit note, a write-off and the permit service's fees
            # travel in a second export.
            exports = exports_for_demo(
                billing.posted_run, today=today, user=finance, paid_later=frozenset(payments.pays)
            )
        from regie.statistics.demo import views_for_demo

        views = views_for_demo(finance)
    stats = DemoStats(
        **asdict(registry),
        certificates=certificates,
        views=views,
        attendance=attendance,
        billing=billing,
        payments=payments,
        collection=collection,
        exports=exports,
        fees=fees,
    )
    with scope(cpas):
        build_registry(cpas, children=max(10, children // 20), seed=seed + 1, today=today)
    return commune, stats


def describe(stats: RegistryStats) -> str:
    text = (
        f"{stats.sites} school sites, {stats.classes} classes, {stats.children} children, "
        f"{stats.persons} persons, {stats.without_attestable} children without attestable parent"
    )
    scans = getattr(stats, "attendance", None)
    if scans is not None:
        text += (
            f"; {scans.events} scans and {scans.registered} meal registrations "
            f"({scans.absences} absent) since the start of last month, {scans.days} days "
            f"verified, {scans.errors} in error"
        )
    billing = getattr(stats, "billing", None)
    if billing is not None and billing.posted_run is not None:
        text += (
            f"; last month billed: {billing.posted} invoices posted "
            f"({format_cents(billing.posted_cents)}) after a first run in error "
            f"({billing.attestable_fixed} attestable parents ticked since), this month: "
            f"{billing.drafts} draft invoices"
        )
        languages = billing.documents.get("languages", {})
        if languages:
            text += "; invoice PDFs by language: " + ", ".join(
                f"{code} {count}" for code, count in sorted(languages.items())
            )
    payments = getattr(stats, "payments", None)
    if payments is not None and payments.movements:
        text += (
            f"; {payments.early_paid} invoices paid by an imported bank statement, "
            f"{payments.movements} movements in the bank file ready to import"
        )
    collection = getattr(stats, "collection", None)
    if collection is not None and collection.invoices:
        levels = ", ".join(
            f"level {n}: {count}" for n, count in sorted(collection.reminders.items())
        )
        text += (
            f"; collection: {collection.invoices} earlier meal invoices reminded ({levels}), a plan"
        )
    exports = getattr(stats, "exports", None)
    if exports is not None and exports.first is not None:
        text += f"; accounting exports: {exports.first.documents} documents"
        if exports.second is not None:
            text += (
                f", then {exports.second.documents} (a credit note, a write-off as a credit "
                "note of all plus a new invoice; the permit fees paid today travel in the next)"
            )
    certificates = getattr(stats, "certificates", None)
    if certificates is not None and certificates.certificates:
        text += (
            f"; tax certificates {certificates.year}: {certificates.certificates} built "
            f"({format_cents(certificates.total_cents)}), {certificates.problems} problems listed"
        )
    if getattr(stats, "views", 0):
        text += f"; {stats.views} statistics views shared"
    return text
