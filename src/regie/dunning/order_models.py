"""Enforcement orders ("contrainte non fiscale", "dwangbevel"): the board's list (DOMAIN §7)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from regie.billing.models import Invoice
from regie.core.models import OrgModel
from regie.dunning.models import Reminder
from regie.people.models import Person


class OrderListStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed to the board")
    ENDORSED = "endorsed", _("endorsed by the board")


class OrderList(OrgModel):
    """The list of debts proposed to the board (collège) and its decision."""

    created_on = models.DateField(_("date"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=OrderListStatus.choices,
        default=OrderListStatus.PROPOSED,
    )
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    decision_reference = models.CharField(_("decision reference"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("enforcement order list")
        verbose_name_plural = _("enforcement order lists")
        ordering = ["-created_on", "-pk"]


class EnforcementOrder(OrgModel):
    """One debtor's order: the debts of a formal notice past due and unpaid."""

    order_list = models.ForeignKey(OrderList, on_delete=models.CASCADE, related_name="orders")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    formal_notice = models.ForeignKey(Reminder, on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("enforcement order")
        verbose_name_plural = _("enforcement orders")


class OrderInvoice(OrgModel):
    """An invoice under an order: it leaves reminder runs and can still be paid."""

    order = models.ForeignKey(EnforcementOrder, on_delete=models.CASCADE, related_name="items")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="+")
    open_cents = models.BigIntegerField(_("open (cents)"))
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(active=True), name="orderinvoice_one_active"
            )
        ]


class BailiffFee(OrgModel):
    """Bailiff's costs recovered from a debtor under an order: a fee the debtor owes."""

    order = models.ForeignKey(
        EnforcementOrder, on_delete=models.PROTECT, related_name="fees", verbose_name=_("order")
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("number"), max_length=40)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    recovered_on = models.DateField(_("date"))
    reference = models.CharField(_("bailiff's reference"), max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bailiff's costs")
        verbose_name_plural = _("bailiff's costs")
        ordering = ["recovered_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="bailifffee_positive"),
            models.UniqueConstraint(
                fields=["organisation", "number"], name="bailifffee_unique_number"
            ),
        ]
