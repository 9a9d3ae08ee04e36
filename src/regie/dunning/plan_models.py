"""Payment plans: a person's overdue invoices (and fees) paid in instalments (DOMAIN §7)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from stdnum.be import ogm_vcs

from regie.billing.models import Invoice
from regie.core.models import OrgModel
from regie.dunning.models import Reminder
from regie.people.models import Person


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("weekly")
    BIWEEKLY = "biweekly", _("every two weeks")
    MONTHLY = "monthly", _("monthly")
    QUARTERLY = "quarterly", _("quarterly")


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    COMPLETED = "completed", _("completed")
    CANCELLED = "cancelled", _("cancelled")


class CollectionSettings(OrgModel):
    """Settings of collection: the grace period before an instalment is late."""

    grace_days = models.PositiveIntegerField(_("grace period of instalments (days)"), default=7)

    class Meta:
        verbose_name = _("collection settings")
        verbose_name_plural = _("collection settings")
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="collectionsettings_one")
        ]


class PaymentPlan(OrgModel):
    """A plan of one person: its invoices and fees, its instalments, its communication."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="payment_plans", verbose_name=_("person")
    )
    communication = models.CharField(_("structured communication"), max_length=12)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    created_on = models.DateField(_("date"))
    total_cents = models.BigIntegerField(_("total (cents)"))
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.ACTIVE
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment plan")
        verbose_name_plural = _("payment plans")
        ordering = ["-created_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "communication"], name="paymentplan_unique_communication"
            )
        ]

    def __str__(self) -> str:
        return str(_("Payment plan of %(person)s") % {"person": self.person})

    @property
    def formatted_communication(self) -> str:
        return f"+++{ogm_vcs.format(self.communication)}+++"


class PlanInvoice(OrgModel):
    """An invoice a plan holds (while the plan is active it leaves reminder runs)."""

    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="invoices")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="+")
    open_cents = models.BigIntegerField(_("open (cents)"))
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            # The database refuses an invoice in two active plans.
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(active=True), name="planinvoice_one_active_plan"
            )
        ]


class PlanFee(OrgModel):
    """A reminder's fee a plan holds."""

    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="fees")
    reminder = models.ForeignKey(Reminder, on_delete=models.PROTECT, related_name="+")
    open_cents = models.BigIntegerField(_("open (cents)"))


class Instalment(OrgModel):
    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("due date"))
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    late_letter_on = models.DateField(_("late-payment letter on"), null=True, blank=True)

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="instalment_unique_number")
        ]


class InstalmentPayment(OrgModel):
    """The part of a payment with the plan's communication that pays an instalment."""

    instalment = models.ForeignKey(Instalment, on_delete=models.PROTECT, related_name="payments")
    payment = models.ForeignKey("payments.Payment", on_delete=models.PROTECT, related_name="+")
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    date = models.DateField(_("date"))
    cancelled = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_cents__gt=0), name="instalmentpayment_positive"
            )
        ]
