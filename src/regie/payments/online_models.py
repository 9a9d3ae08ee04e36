"""The payment provider's side of payments (DOMAIN §8): payouts, online payments, refunds.

Kept apart from :mod:`regie.payments.models` (which imports this module at its end, so that
``from regie.payments.models import OnlinePayment`` still works) for its length only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from regie.core.models import OrgModel
from regie.core.money import format_cents
from regie.payments.models import MovementOutcome, Payment
from regie.people.models import Person


class Payout(OrgModel):
    """A payout (Mollie's "settlement") of the payment provider to the organisation's bank:
    the online payments it covers, less the refunds taken from them and the provider's fees.

    Matched with the bank movement that brought it (proposed when the amount and the payout's
    reference agree), it empties the clearing account of ``amount_cents + fees_cents``.
    """

    provider_id = models.CharField(_("payout id at the provider"), max_length=64)
    reference = models.CharField(_("payout reference"), max_length=64)
    amount_cents = models.BigIntegerField(_("amount paid out (cents)"))
    fees_cents = models.BigIntegerField(_("provider fees (cents)"), default=0)
    settled_on = models.DateField(_("paid out on"), null=True, blank=True)
    outcome = models.OneToOneField(
        MovementOutcome,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payout",
        verbose_name=_("bank movement matched"),
    )
    confirmed_at = models.DateTimeField(_("matched at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("matched by"),
    )
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["-settled_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "provider_id"], name="payout_once"),
            models.CheckConstraint(condition=Q(fees_cents__gte=0), name="payout_fees"),
        ]

    @property
    def covered_cents(self) -> int:
        """What the payout takes off the clearing account: paid out plus the fees."""
        return self.amount_cents + self.fees_cents

    def __str__(self) -> str:
        return f"{self.reference} {format_cents(self.amount_cents)}"


class OnlinePayment(OrgModel):
    """A payment made through the payment provider, recorded once per provider's id.

    The row is written first (the unique constraint decides which of two concurrent webhook
    calls records), then its :class:`Payment`. Money stays on the clearing account until the
    provider's payout covering it is matched with a bank movement.
    """

    provider_id = models.CharField(_("payment id at the provider"), max_length=64)
    payment = models.OneToOneField(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="online",
        verbose_name=_("payment"),
    )
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    communication = models.CharField(_("structured communication"), max_length=12)
    method = models.CharField(_("method"), max_length=30, blank=True)
    paid_on = models.DateField(_("paid on"))
    payout = models.ForeignKey(
        Payout,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("payout"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("online payment")
        verbose_name_plural = _("online payments")
        ordering = ["-paid_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "provider_id"], name="onlinepayment_once"
            ),
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="onlinepayment_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} {format_cents(self.amount_cents)}"


class OnlineRefund(OrgModel):
    """Money paid back through the payment provider's refund of an online payment: taken from
    the money the provider holds (the clearing account), deducted from a later payout."""

    online_payment = models.ForeignKey(
        OnlinePayment,
        on_delete=models.PROTECT,
        related_name="refunds",
        verbose_name=_("online payment"),
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    provider_id = models.CharField(_("refund id at the provider"), max_length=64, blank=True)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    date = models.DateField(_("date"))
    payout = models.ForeignKey(
        Payout,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
        verbose_name=_("payout"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("online refund")
        verbose_name_plural = _("online refunds")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="onlinerefund_positive"),
            models.UniqueConstraint(
                fields=["organisation", "provider_id"],
                condition=~Q(provider_id=""),
                name="onlinerefund_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {format_cents(self.amount_cents)}"
