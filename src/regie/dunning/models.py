"""Reminder policies and levels, reminder runs, reminders, complaints (DOMAIN §7).

A reminder is issued once and never edited: its invoices and their open amounts at issue, its
fee and total stay as they were printed. Cancelling it stamps ``cancelled_at`` and reverses the
fee in the ledger; what a payment of it paid is recorded by the payment's allocations (invoices)
and :class:`FeePayment` rows (the fee).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from stdnum.be import ogm_vcs

from regie.activities.models import ActivityCategory
from regie.billing.models import Invoice
from regie.core.models import OrgModel
from regie.people.models import Person


class ReminderPolicy(OrgModel):
    """Which categories a policy covers, and below what open amounts nobody is reminded."""

    name = models.CharField(_("name"), max_length=100)
    categories = models.ManyToManyField(
        ActivityCategory, related_name="+", verbose_name=_("activity categories")
    )
    min_invoice_cents = models.BigIntegerField(_("minimum open per invoice (cents)"), default=0)
    min_person_cents = models.BigIntegerField(_("minimum open per person (cents)"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policies")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class PolicyLevel(OrgModel):
    """One step of a policy: when it comes, what it gives to pay, its fee and its letters."""

    policy = models.ForeignKey(ReminderPolicy, on_delete=models.CASCADE, related_name="levels")
    number = models.PositiveSmallIntegerField(_("level"))
    name = models.CharField(_("name"), max_length=100)
    delay_days = models.PositiveIntegerField(_("delay (days)"))
    days_to_pay = models.PositiveIntegerField(_("days to pay"))
    fee_cents = models.BigIntegerField(_("fee (cents)"), default=0)
    formal_notice = models.BooleanField(_("formal notice (registered letter)"), default=False)
    letter_fr = models.TextField(_("letter (French)"), blank=True)
    letter_nl = models.TextField(_("letter (Dutch)"), blank=True)
    letter_de = models.TextField(_("letter (German)"), blank=True)

    class Meta:
        verbose_name = _("reminder level")
        verbose_name_plural = _("reminder levels")
        ordering = ["policy", "number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policylevel_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"

    def letter(self, language: str) -> str:
        return getattr(self, f"letter_{language}", "") or self.letter_fr


class DebtorKind(models.TextChoices):
    CONSUMER = "consumer", _("natural person (consumer)")
    COMPANY = "company", _("company")
    PUBLIC_BODY = "public_body", _("public body")


class Debtor(OrgModel):
    """What kind of debtor a person is; a person without a row is a consumer."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind of debtor"), max_length=12, choices=DebtorKind.choices)

    class Meta:
        verbose_name = _("debtor")
        verbose_name_plural = _("debtors")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("running")
    DONE = "done", _("created")
    FAILED = "failed", _("failed")


class ReminderRun(OrgModel):
    """One reminder run: a level, a run date, a due date; its problems once computed."""

    level = models.ForeignKey(
        PolicyLevel, on_delete=models.PROTECT, related_name="runs", verbose_name=_("level")
    )
    run_date = models.DateField(_("run date"))
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    problems = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reminder run")
        verbose_name_plural = _("reminder runs")
        ordering = ["-run_date", "-pk"]

    def __str__(self) -> str:
        return f"{self.level} {self.run_date:%d/%m/%Y}"


class Reminder(OrgModel):
    """A reminder to one person: its invoices, fee, total, due date and communication."""

    run = models.ForeignKey(ReminderRun, on_delete=models.PROTECT, related_name="reminders")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="reminders", verbose_name=_("person")
    )
    level = models.ForeignKey(PolicyLevel, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("number"), max_length=30)
    communication = models.CharField(_("structured communication"), max_length=12)
    issued_on = models.DateField(_("date"))
    due_date = models.DateField(_("due date"))
    principal_cents = models.BigIntegerField(_("open invoices (cents)"))
    fee_cents = models.BigIntegerField(_("fee (cents)"), default=0)
    fee_cap_cents = models.BigIntegerField(_("fee cap (cents)"), null=True, blank=True)
    fee_lowered = models.BooleanField(_("fee lowered to the legal cap"), default=False)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # Where the reminder was sent, as the person's record said when it was issued: a later
    # change of address does not rewrite a letter already sent.
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-issued_on", "-number", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="reminder_unique_number"
            ),
            models.UniqueConstraint(
                fields=["organisation", "communication"], name="reminder_unique_communication"
            ),
            models.CheckConstraint(condition=Q(fee_cents__gte=0), name="reminder_fee_positive"),
        ]
        indexes = [models.Index(fields=["organisation", "person", "issued_on"])]

    def __str__(self) -> str:
        return self.number

    @property
    def total_cents(self) -> int:
        return self.principal_cents + self.fee_cents

    @property
    def formatted_communication(self) -> str:
        return f"+++{ogm_vcs.format(self.communication)}+++"

    def address_take(self, person: Person) -> None:
        """Copy the person's name, postal address and e-mail as they are now (the reminder
        is then a recipient of :func:`regie.documents.data.recipient_block`)."""
        for field in ("first_name", "last_name", "street", "postcode", "city", "country", "email"):
            setattr(self, field, getattr(person, field))


class ReminderInvoice(OrgModel):
    """An invoice of a reminder, with its open amount when the reminder was issued."""

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="items")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="+")
    open_cents = models.BigIntegerField(_("open (cents)"))

    class Meta:
        ordering = ["invoice__due_date", "invoice_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reminder", "invoice"], name="reminderinvoice_unique_invoice"
            )
        ]


class FeePayment(OrgModel):
    """The part of a payment (or of a person's credit) that pays a reminder's fee."""

    reminder = models.ForeignKey(Reminder, on_delete=models.PROTECT, related_name="fee_payments")
    payment = models.ForeignKey("payments.Payment", on_delete=models.PROTECT, related_name="+")
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    date = models.DateField(_("date"))
    cancelled = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="feepayment_positive")
        ]


class Complaint(OrgModel):
    """A complaint about an invoice: its reminders wait until it is answered."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="+", verbose_name=_("invoice")
    )
    received_on = models.DateField(_("received on"))
    text = models.TextField(_("complaint"), blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_on", "-pk"]


class ReminderPayment(OrgModel):
    """A payment made with a reminder's communication (what it paid: its allocations and
    :class:`FeePayment` rows)."""

    payment = models.OneToOneField("payments.Payment", on_delete=models.PROTECT, related_name="+")
    reminder = models.ForeignKey(Reminder, on_delete=models.PROTECT, related_name="payments")


from regie.dunning.order_models import *  # noqa: E402,F401,F403
from regie.dunning.plan_models import *  # noqa: E402,F401,F403 - Django finds the models here
