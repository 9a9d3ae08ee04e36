"""Tenant isolation: a user of organisation A cannot see, create or change B's records.

The test walks every URL pattern of the back-office and every admin page of every business
model, with B's ids and with a missing id, and demands identical answers.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from regie.activities.models import Activity, ActivityCategory, Place, Price
from regie.attendance.models import (
    Attendance,
    Day,
    Device,
    Registration,
    RegistrationDate,
    ScanEvent,
)
from regie.billing.models import (
    BilledAttendance,
    BillingRun,
    BillingSettings,
    Invoice,
    InvoiceLine,
    WriteOff,
)
from regie.certificates.models import Certificate, CertificateBatch, DailyMaximum
from regie.core.admin_site import site as admin_site
from regie.core.api_tokens import api_token_create
from regie.core.models import (
    ApiToken,
    AuditLog,
    Invitation,
    Job,
    Membership,
    OrgModel,
    Role,
    Sequence,
    Submission,
    User,
)
from regie.core.tenancy import ALL, scope
from regie.documents.models import DocumentBatch, EmailTemplate, InvoiceDocument, Sending
from regie.dunning.models import (
    BailiffFee,
    CollectionSettings,
    Complaint,
    Debtor,
    EnforcementOrder,
    FeePayment,
    Instalment,
    InstalmentPayment,
    OrderInvoice,
    OrderList,
    PaymentPlan,
    PlanFee,
    PlanInvoice,
    PolicyLevel,
    Reminder,
    ReminderInvoice,
    ReminderPayment,
    ReminderPolicy,
    ReminderRun,
)
from regie.exports.models import Export, ExportFile
from regie.fees.models import Callback, Checkout, MollieSettings, Service, ServiceFile
from regie.ledger.models import Account, Entry, EntryLine
from regie.payments.models import (
    Allocation,
    BankAccount,
    BankMovement,
    BankStatement,
    MovementOutcome,
    OnlinePayment,
    OnlineRefund,
    Payment,
    Payout,
    PrepaymentReference,
    Refund,
    StatementFile,
)
from regie.people.models import (
    Child,
    ChildPerson,
    MedicalRecord,
    Person,
    SchoolClass,
    SchoolSite,
    TariffCategory,
)
from regie.scanning.models import StaffPlace
from regie.statistics.models import SavedView

MISSING = 987654321

# Which model each URL keyword designates, by URL-name prefix. A new URL with an id must be
# added here: the walk fails on patterns it cannot map, so nobody forgets to prove isolation.
KWARG_MODELS = {
    ("people:child-", "pk"): Child,
    ("people:person-", "pk"): Person,
    ("people:link-", "pk"): ChildPerson,
    ("people:link-", "child_pk"): Child,
    ("job", "pk"): Job,
    ("api-v1:job_get", "job_id"): Job,
    ("api-token-revoke", "pk"): ApiToken,
    ("activities:price-", "pk"): Price,
    ("activities:activity-", "pk"): Activity,
    ("activities:place-", "pk"): Place,
    ("activities:category-", "pk"): ActivityCategory,
    ("members:", "pk"): Membership,
    # An invitation's link carries its secret; B's invitation id is as unknown as any text.
    ("invitation", "secret"): Invitation,
    ("attendance:day", "pk"): Day,
    ("attendance:event-", "pk"): ScanEvent,
    ("attendance:child-", "child_pk"): Child,
    ("attendance:registration", "pk"): Registration,
    ("attendance:registered-", "pk"): RegistrationDate,
    ("payments:payment-", "pk"): Payment,
    ("payments:movement-", "pk"): BankMovement,
    ("payments:invoice-", "pk"): Invoice,
    ("payments:file-", "pk"): StatementFile,
    ("payments:payout-", "pk"): Payout,
    ("payments:online-", "pk"): OnlinePayment,
    ("payments:refund-", "pk"): Person,
    ("billing:run", "pk"): BillingRun,
    ("billing:invoice", "pk"): Invoice,
    ("billing:write-off-", "pk"): WriteOff,
    ("billing:account", "pk"): Person,
    ("documents:run", "pk"): BillingRun,
    ("documents:invoice-", "pk"): Invoice,
    ("documents:batch", "pk"): DocumentBatch,
    ("documents:sending-", "pk"): Sending,
    # A document kind is no id: B's invoices and runs are walked under the invoice kind.
    ("documents:", "kind"): "invoice",
    ("documents:group", "pk"): BillingRun,
    ("documents:pdf", "pk"): Invoice,
    ("documents:send", "pk"): Invoice,
    # A member's second factor: B's user is no member of A (tests/security/).
    ("security:member-", "pk"): User,
    ("scanning:device-", "pk"): Device,
    ("dunning:policy-", "pk"): ReminderPolicy,
    ("dunning:run", "pk"): ReminderRun,
    ("dunning:reminder", "pk"): Reminder,
    ("dunning:complaint-", "pk"): Complaint,
    ("dunning:invoice-", "pk"): Invoice,
    ("dunning:order-list", "pk"): OrderList,
    ("dunning:bailiff-list", "pk"): OrderList,
    ("dunning:order", "pk"): EnforcementOrder,  # after "dunning:order-list…": a prefix of them
    ("dunning:plan", "pk"): PaymentPlan,
    ("dunning:person-", "pk"): Person,
    ("api-v1:scan_place_", "place_id"): Place,
    ("certificates:batch", "pk"): CertificateBatch,
    ("certificates:certificate", "pk"): Certificate,
    ("exports:detail", "pk"): Export,
    ("exports:file", "pk"): ExportFile,
    ("statistics:view-", "pk"): SavedView,
    # A payment link carries its file's secret token; B's file id is as unknown as any text.
    ("fees:pay", "token"): ServiceFile,
    # Files by their id in a service's system: only that service's token reaches them (403
    # for a session); tests/api/test_files_api.py proves another organisation's is a 404.
    ("api-v1:file_", "external_id"): ServiceFile,
    ("fees-files:", "pk"): ServiceFile,
    ("fees-files:", "callback_pk"): Callback,
}


def populate(org, tag):
    with scope(org):
        site = SchoolSite.objects.create(name=f"École {tag}")
        klass = SchoolClass.objects.create(site=site, name=f"P1 {tag}", level="P1")
        cat = TariffCategory.objects.create(name=f"CPAS {tag}", code=f"cpas-{tag}")
        child = Child.objects.create(
            last_name=f"Enfant{tag}",
            first_name="Léa",
            birth_date="2018-03-02",
            site=site,
            school_class=klass,
            tariff_category=cat,
            national_number="18030200176" if tag == "B" else "",
        )
        person = Person.objects.create(
            last_name=f"Parent{tag}", delivery="email", email=f"p{tag}@example.be"
        )
        link = ChildPerson.objects.create(child=child, person=person, billable=True)
        place = Place.objects.create(name=f"Lieu {tag}")
        kind = ActivityCategory.objects.create(name=f"Accueil {tag}", code="accueil")
        activity = Activity.objects.create(
            name=f"Soir {tag}",
            category=kind,
            place=place,
            date_from="2025-09-01",
            start_time="16:00",
            end_time="18:00",
        )
        meals = Activity.objects.create(
            name=f"Repas {tag}",
            category=kind,
            place=place,
            date_from="2025-09-01",
            start_time="12:00",
            end_time="13:00",
            encoding="registration",
        )
        price = Price.objects.create(
            name=f"Tarif {tag}", period_minutes=30, unit_cents=50, valid_from="2025-09-01"
        )
        price.activities.set([activity])
        device = Device(name=f"Téléphone {tag}")
        device.new_token()
        device.save()
        event = ScanEvent.objects.create(
            child=child, place=place, date="2025-10-01", time="16:30", direction="exit"
        )
        day = Day.objects.create(child=child, date="2025-10-01")
        attendance = Attendance.objects.create(
            day=day,
            child=child,
            date="2025-10-01",
            activity=activity,
            place=place,
            start="16:00",
            end="16:30",
            minutes=30,
        )
        registration = Registration.objects.create(child=child, activity=meals, person=person)
        registered = RegistrationDate.objects.create(
            registration=registration, child=child, date="2025-10-02"
        )
        job = Job.objects.create(kind="test", title=f"Job {tag}")
        statement_file = StatementFile.objects.create(
            name=f"extrait-{tag}.cod", sha256=tag * 64, format="coda"
        )
        statement = BankStatement.objects.create(
            file=statement_file, account=f"BE00{tag}", old_balance_cents=0, new_balance_cents=9
        )
        movement = BankMovement.objects.create(
            statement=statement, key=tag, sequence=1, amount_cents=9, communication=f"mvt {tag}"
        )
        outcome = MovementOutcome.objects.create(
            movement=movement, outcome="other", note=f"Mis de côté {tag}", date="2025-12-02"
        )
        payment = Payment.objects.create(
            person=person, date=date(2025, 12, 2), amount_cents=300, mode="cash"
        )
        refund = Refund.objects.create(
            person=person, amount_cents=100, iban="BE71096123456769", date=date(2025, 12, 3)
        )
        payout = Payout.objects.create(
            provider_id=f"stl_{tag}", reference=f"Versement {tag}", amount_cents=9
        )
        online = OnlinePayment.objects.create(  # matched nothing: to allocate by hand
            provider_id=f"tr_{tag}",
            amount_cents=9,
            communication="999999999999",
            paid_on=date(2025, 12, 2),
        )
        run = BillingRun.objects.create(
            date_from="2025-10-01",
            date_to="2025-10-31",
            invoice_date="2025-11-03",
            due_date="2025-12-03",
            status="draft",
        )
        invoice = Invoice.objects.create(
            run=run, person=person, invoice_date="2025-11-03", due_date="2025-12-03"
        )
        write_off = WriteOff.objects.create(
            invoice=invoice, kind="error", date="2025-11-04", amount_cents=0
        )
        document = InvoiceDocument.objects.create(invoice=invoice, snapshot={})
        batch = DocumentBatch.objects.create(format="zip", document_ids=[invoice.pk], file="x")
        sending = Sending.objects.create(document_id=invoice.pk, person=person, channel="email")
        mail_template = EmailTemplate.objects.create(language="fr", subject=tag, body=tag)
        integration = User.objects.create_user(f"compta-{tag}")
        membership = Membership.objects.create(
            user=integration, organisation=org, role=Role.FINANCE
        )
        invitation = Invitation.objects.create(
            membership=membership,
            token_hash=tag * 64,
            created_by=integration,
            expires_at=timezone.now() + timedelta(days=1),
        )
        api_token, _secret = api_token_create(user=integration, organisation=org, name=tag)
        medical = MedicalRecord.objects.create(child=child, allergies=f"Arachides {tag}")
        worker = User.objects.create_user(f"accueil-{tag}")
        Membership.objects.create(user=worker, organisation=org, role=Role.STAFF)
        staff_place = StaffPlace.objects.create(user=worker, place=place)
        audit = AuditLog.objects.create(
            user=integration, action=AuditLog.Action.EXPORT, model="child", object_id=child.pk
        )
        billing_settings, _created = BillingSettings.objects.get_or_create()
        collection = populate_collection(person, invoice, kind, tag)
        bank_account = BankAccount.objects.get(iban=org.iban)
        maximum = DailyMaximum.objects.create(year=2025, cents=1640)
        certificates = CertificateBatch.objects.create(year=2025, daily_max_cents=1640)
        certificate = Certificate.objects.create(
            batch=certificates, sequence=1, person=person, child=child, total_cents=200
        )
        export = Export.objects.create(
            date_from="2025-10-01", date_to="2025-10-31", kinds=["invoice"], formats=["csv"]
        )
        export_file = ExportFile.objects.create(
            export=export, name=f"export-{tag}.csv", path="exports/x.csv", size=1, sha256="0" * 64
        )
        saved_view = SavedView.objects.create(
            name=f"Vue {tag}", owner=integration, shared=True, query={"source": "payments"}
        )
        service = Service.objects.create(name=f"Voirie {tag}", category=kind)
        service_file = ServiceFile.objects.create(
            service=service,
            external_id=f"OCC-{tag}",
            person=person,
            description=f"Conteneur {tag}",
            way="advance",
            state="awaiting_payment",
            communication="",
            pay_token=f"pay-token-of-organisation-{tag}",
        )
        callback = Callback.objects.create(file=service_file, url=f"https://permis-{tag}.be/")
        mollie_settings = MollieSettings.objects.create(api_key=f"test_key{tag}xxxxxxxx")
        checkout = Checkout.objects.create(
            mollie_id=f"tr_{tag}checkout",
            idempotency_key=f"key-{tag}",
            communication="",
            amount_cents=3000,
            file=service_file,
        )
        return {
            "export": export,
            "export_file": export_file,
            "site": site,
            "class": klass,
            "category": cat,
            "child": child,
            "person": person,
            "link": link,
            "place": place,
            "activity_category": kind,
            "activity": activity,
            "price": price,
            "device": device,
            "event": event,
            "day": day,
            "attendance": attendance,
            "registration": registration,
            "registered": registered,
            "job": job,
            "statement_file": statement_file,
            "statement": statement,
            "movement": movement,
            "outcome": outcome,
            "payout": payout,
            "online": online,
            "payment": payment,
            "refund": refund,
            "run": run,
            "invoice": invoice,
            "write_off": write_off,
            "document": document,
            "batch": batch,
            "sending": sending,
            "mail_template": mail_template,
            "api_token": api_token,
            "user": integration,
            "medical": medical,
            "staff_place": staff_place,
            "membership": membership,
            "invitation": invitation,
            "audit": audit,
            "billing_settings": billing_settings,
            "bank_account": bank_account,
            "daily_maximum": maximum,
            "certificate_batch": certificates,
            "certificate": certificate,
            "saved_view": saved_view,
            "service": service,
            "service_file": service_file,
            "callback": callback,
            "mollie_settings": mollie_settings,
            "checkout": checkout,
            "organisation": org,
            **collection,
        }


def populate_collection(person, invoice, category, tag):
    """Return a reminder policy, its level, a run, a reminder and a complaint."""
    policy = ReminderPolicy.objects.create(name=f"Rappels {tag}")
    policy.categories.set([category])
    level = PolicyLevel.objects.create(
        policy=policy, number=1, name=f"Rappel {tag}", delay_days=10, days_to_pay=15
    )
    run = ReminderRun.objects.create(
        level=level, run_date="2026-01-10", due_date="2026-01-25", status="done"
    )
    reminder = Reminder.objects.create(
        run=run,
        person=person,
        level=level,
        number=f"RAP/2026/0000{1 if tag == 'A' else 2}",
        communication="102000000101" if tag == "A" else "102000000202",
        issued_on="2026-01-10",
        due_date="2026-01-25",
        principal_cents=0,
    )
    ReminderInvoice.objects.create(reminder=reminder, invoice=invoice, open_cents=0)
    complaint = Complaint.objects.create(invoice=invoice, received_on="2026-01-12")
    order_list = OrderList.objects.create(created_on="2026-02-10")
    order = EnforcementOrder.objects.create(
        order_list=order_list, person=person, formal_notice=reminder
    )
    OrderInvoice.objects.create(order=order, invoice=invoice, open_cents=0, active=False)
    BailiffFee.objects.create(
        order=order,
        person=person,
        number=f"{reminder.number}/H1",
        amount_cents=4537,
        recovered_on="2026-02-20",
        reference=f"HUI {tag}",
    )
    plan = PaymentPlan.objects.create(
        person=person,
        communication="103000000101" if tag == "A" else "103000000202",
        frequency="monthly",
        created_on="2026-02-01",
        total_cents=300,
    )
    PlanInvoice.objects.create(plan=plan, invoice=invoice, open_cents=300, active=False)
    Instalment.objects.create(plan=plan, number=1, due_date="2026-03-01", amount_cents=300)
    return {
        "order_list": order_list,
        "order": order,
        "plan": plan,
        "reminder_policy": policy,
        "reminder_level": level,
        "reminder_run": run,
        "reminder": reminder,
        "complaint": complaint,
    }


def normalise(content: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)


def snapshot():
    """Return every business row of every organisation, as plain values."""
    with scope(ALL):
        return {
            model._meta.label: sorted(map(repr, model.objects.values()))
            for model in apps.get_models()
            if issubclass(model, OrgModel)
        }


def walk_patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue  # walked separately below
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk_patterns(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def id_urls(objects_b):
    """Yield (url name, url with B's ids, url with a missing id) for every id-taking URL."""
    by_model = {type(obj): obj for obj in objects_b.values()}
    for name, pattern in walk_patterns():
        keys = list(pattern.pattern.converters)
        if not keys:
            continue
        kwargs_b, kwargs_missing = {}, {}
        for key in keys:
            model = next(
                (
                    m
                    for (prefix, k), m in KWARG_MODELS.items()
                    if name.startswith(prefix) and k == key
                ),
                None,
            )
            assert model is not None, f"URL {name} takes <{key}>: add it to KWARG_MODELS"
            if isinstance(model, str):  # a word, not an id: the same in both addresses
                kwargs_b[key] = kwargs_missing[key] = model
                continue
            kwargs_b[key] = by_model[model].pk
            kwargs_missing[key] = MISSING
        yield name, reverse(name, kwargs=kwargs_b), reverse(name, kwargs=kwargs_missing)


@pytest.fixture
def two_orgs(org_a, org_b):
    populate(org_a, "A")
    return populate(org_b, "B")


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.AUDITOR])
def test_every_url_answers_404_for_another_organisations_ids(two_orgs, org_a, login, role):
    """GET and POST with B's ids answer exactly like a missing id (404), and change nothing."""
    client = login(org_a, role)
    before = snapshot()
    walked = 0
    for name, url_b, url_missing in id_urls(two_orgs):
        for method in (client.get, client.post):
            got_b, got_missing = method(url_b), method(url_missing)
            assert got_b.status_code == got_missing.status_code, (name, method.__name__)
            assert got_b.status_code in (403, 404, 405), (name, got_b.status_code)
            if got_b.status_code == 404:
                # Same page, but for the address itself and the (per-response) CSRF token.
                same = normalise(got_b.content.replace(url_b.encode(), url_missing.encode()))
                assert same == normalise(got_missing.content), name
        walked += 1
    assert walked >= 10
    assert snapshot() == before


# Admin routes of the site itself, without an object id (login, index, jsi18n…).
ADMIN_SITE_ROUTES = {
    "index",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "autocomplete",
    "jsi18n",
    "app_list",
}
#: Walked below with B's ids and a missing id, for every registered model.
ADMIN_OBJECT_VIEWS = ("change", "delete", "history")
ADMIN_MODEL_ROUTES = {"changelist", "add", *ADMIN_OBJECT_VIEWS}
# Models whose admin pages tests/ledger/test_ledger_screens.py walks with B's ids.
ADMIN_WALKED_ELSEWHERE = {Account, Entry, EntryLine}
# Routes a model admin adds, with where their isolation is proven.
ADMIN_EXTRA_ROUTES = {
    "ledger_account_default_chart": "no id; creates the active organisation's accounts only",
    "auth_user_password_change": "walked below with B's user and a missing id",
}


def admin_route_names(patterns=None):
    """Yield the name of every admin route, included model admins' routes too."""
    for entry in admin_site.get_urls() if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from admin_route_names(entry.url_patterns)
        elif entry.name:
            yield entry.name


def test_the_walk_knows_every_admin_route():
    """A new admin route (a model admin's extra view, a new model) makes this test fail until
    the walk below proves its isolation, or ADMIN_EXTRA_ROUTES says where it is proven."""
    models = {f"{m._meta.app_label}_{m._meta.model_name}" for m in admin_site._registry}
    unknown = []
    for name in admin_route_names():
        model, _, view = name.rpartition("_")
        known_model_route = model in models and view in ADMIN_MODEL_ROUTES
        if name in ADMIN_SITE_ROUTES | {"view_on_site"} | set(ADMIN_EXTRA_ROUTES):
            continue
        if not known_model_route:
            unknown.append(name)
    assert not unknown, f"admin routes the isolation walk does not know: {unknown}"


def same_answer(client, url_b: str, url_missing: str, where: str) -> None:
    """GET and POST answer alike for B's object and a missing one (status and redirect)."""
    for method in (client.get, client.post):
        got_b, got_missing = method(url_b), method(url_missing)
        assert got_b.status_code == got_missing.status_code, (where, url_b, method.__name__)
        assert got_b.get("Location") == got_missing.get("Location"), (where, url_b)


def test_every_admin_page_treats_another_organisations_ids_as_missing(two_orgs, org_a, login):
    """Admin change/delete/history and "view on site" of B's objects behave as for a missing
    id, for every registered model (users and organisations included)."""
    client = login(org_a, Role.ADMINISTRATOR)
    before = snapshot()
    objects_b = {type(o): o for o in two_orgs.values()}
    checked = 0
    for model in set(admin_site._registry) - ADMIN_WALKED_ELSEWHERE:
        assert model in objects_b, f"{model.__name__} is in the admin: add B's one to populate()"
        info = (model._meta.app_label, model._meta.model_name)
        pk_b = objects_b[model].pk
        for view in ADMIN_OBJECT_VIEWS:
            url_b = reverse(f"admin:{info[0]}_{info[1]}_{view}", args=[pk_b])
            url_missing = reverse(f"admin:{info[0]}_{info[1]}_{view}", args=[MISSING])
            same_answer(client, url_b, url_missing, view)
            checked += 1
        content_type = ContentType.objects.get_for_model(model).pk
        on_site_b = reverse("admin:view_on_site", args=[content_type, pk_b])
        on_site_missing = reverse("admin:view_on_site", args=[content_type, MISSING])
        same_answer(client, on_site_b, on_site_missing, "view_on_site")
        assert client.get(on_site_b).status_code == 404  # none of them has a page on the site
        changelist = client.get(reverse(f"admin:{info[0]}_{info[1]}_changelist"))
        if issubclass(model, OrgModel):
            assert changelist.status_code == 200
            if "B" in str(objects_b[model]):
                assert str(objects_b[model]) not in changelist.content.decode(), model
    password_b = reverse("admin:auth_user_password_change", args=[two_orgs["user"].pk])
    password_missing = reverse("admin:auth_user_password_change", args=[MISSING])
    same_answer(client, password_b, password_missing, "password")
    assert checked >= 3 * 3  # sites, classes, categories × change, delete, history
    assert snapshot() == before


def test_every_business_model_is_walked_or_has_no_page(two_orgs):
    """Every business model either has its pages in the walk above or has none yet."""
    covered = {
        Child,
        Person,
        ChildPerson,
        SchoolSite,
        SchoolClass,
        TariffCategory,
        AuditLog,
        Job,
        # Walked through their admin pages or the URLs mapped in KWARG_MODELS:
        Place,
        ActivityCategory,
        Activity,
        Price,
        Device,
        ScanEvent,
        Day,
        Attendance,
        Registration,
        RegistrationDate,
        # Ledger admin pages: tests/ledger/test_ledger_screens.py walks them with B's ids.
        Account,
        Entry,
        EntryLine,
        # Billing: runs, invoices and write-offs walked through KWARG_MODELS; settings, lines,
        # links and number sequences have no page of their own.
        BillingSettings,
        BillingRun,
        Invoice,
        InvoiceLine,
        BilledAttendance,
        WriteOff,
        Sequence,
        # Payments: pages walked through KWARG_MODELS and their read-only admin pages (a
        # movement's outcome: its movement's pages and its own admin pages); allocations and
        # prepayment references have no page of their own.
        StatementFile,
        BankAccount,
        BankStatement,
        BankMovement,
        Payment,
        Refund,
        Allocation,
        PrepaymentReference,
        MovementOutcome,
        # Online payments, their refunds and payouts: shown on the payouts' page (one that
        # matched nothing has its page, walked through KWARG_MODELS; tests/payments/
        # test_online_payments.py: recorded in their organisation only).
        OnlinePayment,
        OnlineRefund,
        Payout,
        # Documents: batches, sendings and the e-mail templates' admin walked with B's ids;
        # a document's snapshot has no page of its own.
        DocumentBatch,
        Sending,
        EmailTemplate,
        InvoiceDocument,
        # API tokens: the revoke URL and the admin pages walked with B's ids.
        ApiToken,
        # Collection: policies, runs, reminders and complaints walked through KWARG_MODELS;
        # a policy's levels and a reminder's invoices are shown on their pages only.
        ReminderPolicy,
        PolicyLevel,
        ReminderRun,
        Reminder,
        ReminderInvoice,
        Complaint,
        # Orders and plans: lists, orders and plans walked through KWARG_MODELS, the orders'
        # invoices and bailiff's costs, the plans' instalments shown on those pages only.
        OrderList,
        EnforcementOrder,
        BailiffFee,
        OrderInvoice,
        PaymentPlan,
        PlanInvoice,
        PlanFee,
        Instalment,
        # Collection rows without a page of their own (payments' parts, settings, kinds of
        # debtor): tests/dunning proves that payments and plans see their organisation's rows.
        Debtor,
        FeePayment,
        ReminderPayment,
        InstalmentPayment,
        CollectionSettings,
        # Fees of other services: services in the admin, the payment page and the finance
        # officer's file pages walked with B's file and call-back; versions, lines, payments
        # and attempts are shown on the file's page only (tests/fees/test_fees_isolation.py:
        # the API and payments see their organisation's rows only).
        *apps.get_app_config("fees").get_models(),
        # Medical records: walked through the child's URLs (people:child-medical…).
        MedicalRecord,
        # Places of staff members: their admin pages; the scan API's places in KWARG_MODELS.
        StaffPlace,
        # Invitations: the link walked with B's id (members' pages with B's memberships).
        Invitation,
        # One-time tokens of the money forms: no page of their own.
        Submission,
        # Accounting exports: their pages walked through KWARG_MODELS ("exports:"); settings,
        # budget articles, items and files belong to an organisation's export pages.
        *apps.get_app_config("exports").get_models(),
        # Tax certificates: batches and certificates walked through KWARG_MODELS; the daily
        # maxima are listed on the certificates' page (see tests/certificates).
        *apps.get_app_config("certificates").get_models(),
        # Saved pivot views: their delete URL walked through KWARG_MODELS.
        SavedView,
    }
    business = {m for m in apps.get_models() if issubclass(m, OrgModel)}
    assert business <= covered, f"add pages of {business - covered} to the isolation walk"


def test_cannot_create_a_child_in_another_organisations_site(two_orgs, org_a, login):
    """Choosing B's school site in A's form is refused as an invalid choice; nothing saved."""
    client = login(org_a, Role.ADMINISTRATOR)
    before = snapshot()
    response = client.post(
        reverse("people:child-create"),
        {
            "last_name": "Intrus",
            "first_name": "Ian",
            "birth_date": "2018-01-01",
            "site": two_orgs["site"].pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "site" in response.context["form"].errors
    assert snapshot() == before


def test_cannot_link_a_person_of_another_organisation(two_orgs, org_a, login):
    """B's person cannot be chosen (404, like a missing one) when linking a person to A's child."""
    with scope(org_a):
        child_a = Child.objects.get()
    client = login(org_a, Role.ADMINISTRATOR)
    before = snapshot()
    response = client.post(
        reverse("people:link-create", args=[child_a.pk]),
        {"person": two_orgs["person"].pk, "relationship": "mother", "billable": "on"},
    )
    assert response.status_code == 404
    assert snapshot() == before


def test_organisation_switch_refuses_an_organisation_the_user_is_not_in(
    two_orgs, org_a, org_b, login
):
    """Posting B's id to the switcher keeps the user in A."""
    client = login(org_a, Role.ADMINISTRATOR)
    client.post(reverse("switch-organisation"), {"organisation": org_b.pk})
    page = client.get(reverse("people:child-list"))
    assert "EnfantA" in page.content.decode()
    assert "EnfantB" not in page.content.decode()


def test_member_of_two_organisations_switches_between_them(two_orgs, org_a, org_b, login):
    """After switching, the lists show the other organisation's records only."""
    from regie.core.models import Membership, User

    client = login(org_a, Role.ADMINISTRATOR, username="both")
    Membership.objects.create(
        user=User.objects.get(username="both"), organisation=org_b, role=Role.AUDITOR
    )
    client.post(reverse("switch-organisation"), {"organisation": org_b.pk})
    page = client.get(reverse("people:child-list")).content.decode()
    assert "EnfantB" in page and "EnfantA" not in page
    assert client.get(reverse("people:child-create")).status_code == 403  # auditor in B
