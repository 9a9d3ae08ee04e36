"""Bank statements and movements, payments, allocations, person credits and refunds (DOMAIN §6)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from regie.billing.models import Invoice
from regie.core.models import OrgModel, organisation_key
from regie.core.money import format_cents
from regie.core.validators import clean_iban
from regie.people.models import Person


class BankAccount(OrgModel):
    """One of the organisation's bank accounts: only their statements are imported.

    The organisation's own IBAN (its details) is listed by itself when it is saved.
    """

    iban = models.CharField(_("IBAN"), max_length=34, validators=[clean_iban])
    name = models.CharField(_("name"), max_length=100, blank=True)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Statements of an inactive account are refused.")
    )

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        ordering = ["iban"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "iban"], name="bankaccount_once")
        ]

    def clean(self) -> None:
        super().clean()
        try:
            self.iban = clean_iban(self.iban)
        except ValidationError as error:
            raise ValidationError({"iban": error}) from None

    def __str__(self) -> str:
        return f"{self.iban} {self.name}".strip()


class StatementFile(OrgModel):
    """An imported bank file; its SHA-256 makes a second import of the same file a no-op."""

    name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256 fingerprint"), max_length=64)
    format = models.CharField(_("format"), max_length=10)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    movements_new = models.PositiveIntegerField(_("new movements"), default=0)
    movements_known = models.PositiveIntegerField(_("movements already imported"), default=0)

    class Meta:
        verbose_name = _("bank file")
        verbose_name_plural = _("bank files")
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "sha256"], name="statementfile_once")
        ]

    def __str__(self) -> str:
        return self.name


class BankStatement(OrgModel):
    """One statement of one account, as the bank numbered it."""

    file = models.ForeignKey(
        StatementFile, on_delete=models.PROTECT, related_name="statements", verbose_name=_("file")
    )
    account = models.CharField(_("account"), max_length=34)
    number = models.PositiveIntegerField(_("statement number"), default=0)
    old_balance_cents = models.BigIntegerField(_("old balance (cents)"))
    old_balance_date = models.DateField(_("old balance date"), null=True)
    new_balance_cents = models.BigIntegerField(_("new balance (cents)"))
    new_balance_date = models.DateField(_("new balance date"), null=True)
    gap = models.BooleanField(
        _("does not follow the previous statement"),
        default=False,
        help_text=_("Its old balance differs from the previous new balance of this account."),
    )

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ["account", "new_balance_date", "number", "pk"]

    def __str__(self) -> str:
        return f"{self.account} #{self.number}"


class MovementStatus(models.TextChoices):
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("rejected")
    CORRECTED = "corrected", _("allocated by hand")
    IGNORED = "ignored", _("ignored")
    SET_ASIDE = "set_aside", _("set aside")
    REFUNDED = "refunded", _("refunded to the payer")
    PAYOUT = "payout", _("payout of online payments")


class BankMovement(OrgModel):
    """A booked amount of a statement; ``key`` identifies it across overlapping files."""

    # The organisation is its statement's; the (organisation, key) and (organisation, status)
    # indexes serve the queries by organisation.
    organisation = organisation_key(db_index=False, db_constraint=False)
    statement = models.ForeignKey(
        BankStatement,
        on_delete=models.PROTECT,
        related_name="movements",
        verbose_name=_("statement"),
    )
    key = models.CharField(_("key"), max_length=64)
    sequence = models.PositiveIntegerField(_("sequence"))
    entry_date = models.DateField(_("entry date"), null=True)
    value_date = models.DateField(_("value date"), null=True)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    reference = models.CharField(_("structured communication"), max_length=12, blank=True)
    communication = models.CharField(_("communication"), max_length=300, blank=True)
    counterparty_name = models.CharField(_("counterparty"), max_length=200, blank=True)
    counterparty_account = models.CharField(_("counterparty account"), max_length=34, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MovementStatus.choices, default=MovementStatus.REJECTED
    )
    reject_code = models.CharField(_("reason code"), max_length=50, blank=True)
    reject_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("bank movement")
        verbose_name_plural = _("bank movements")
        ordering = ["-entry_date", "sequence", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="bankmovement_once")
        ]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        day = f"{self.entry_date:%d/%m/%Y} " if self.entry_date else ""
        return f"{day}{format_cents(self.amount_cents)} {self.reference or self.communication}"

    @property
    def payment(self) -> Payment | None:
        """Return the payment that allocates this movement now (not a cancelled one), if any.

        Uses ``live_payments`` when the query prefetched it (:func:`live_payments`).
        """
        if hasattr(self, "live_payments"):
            return self.live_payments[0] if self.live_payments else None
        return self.payments.filter(cancelled_at__isnull=True).first()


class Mode(models.TextChoices):
    TRANSFER = "transfer", _("bank transfer")
    CASH = "cash", _("cash")
    CARD = "card", _("card")
    CHEQUE = "cheque", _("cheque")
    DIRECT_DEBIT = "direct_debit", _("direct debit")
    ONLINE = "online", _("online payment")


class Payment(OrgModel):
    """Money received from a person; allocated to open items, the rest is the person's credit."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="payments", verbose_name=_("person")
    )
    date = models.DateField(_("payment date"))
    reconciled_on = models.DateField(_("reconciliation date"), null=True, blank=True)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    mode = models.CharField(_("mode"), max_length=15, choices=Mode.choices)
    receipt_number = models.CharField(_("receipt number"), max_length=30, blank=True)
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    # A movement keeps the payments made from it and later cancelled; one at most is live.
    movement = models.ForeignKey(
        BankMovement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("bank movement"),
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="payment_positive"),
            models.UniqueConstraint(
                fields=["movement"],
                condition=Q(cancelled_at__isnull=True),
                name="payment_movement_live_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.date:%d/%m/%Y} {format_cents(self.amount_cents)}"


def live_payments() -> models.Prefetch:
    """Return the prefetch of movements' live payments (and persons) behind ``.payment``."""
    return models.Prefetch(
        "payments",
        queryset=Payment.objects.filter(cancelled_at__isnull=True).select_related("person"),
        to_attr="live_payments",
    )


class Allocation(OrgModel):
    """The part of a payment (or of a person's credit) that pays an invoice."""

    organisation = organisation_key(db_constraint=False)  # its payment's
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    date = models.DateField(_("date"))
    cancelled = models.BooleanField(default=False)
    # The day it was undone: its payment cancelled, or its invoice credited (the money went
    # back to the person's credit). The reconciliation counts it until that day.
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="allocation_positive")
        ]

    def __str__(self) -> str:
        return f"{self.payment} → {self.invoice}: {self.amount_cents}"


class PrepaymentReference(OrgModel):
    """A person's own structured communication: money sent with it becomes their credit."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=12)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "reference"], name="prepaymentreference_unique"
            )
        ]


class Refund(OrgModel):
    """Money paid back by transfer, gathered into a SEPA credit transfer file: a person's
    credit, or a received bank movement nobody owes (no person: the movement's payer)."""

    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
        verbose_name=_("person"),
    )
    name = models.CharField(_("payee"), max_length=200, blank=True)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    iban = models.CharField(_("IBAN"), max_length=34)
    date = models.DateField(_("date"))
    batch = models.CharField(_("SEPA file"), max_length=50, blank=True)
    # Only a refund of a movement is undone, before it is in a SEPA file.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="refund_positive"),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(name=""), name="refund_payee"
            ),
        ]

    @property
    def payee(self) -> str:
        """Return whom the transfer pays: the person, else the name the bank gave."""
        return str(self.person) if self.person_id else self.name

    def __str__(self) -> str:
        return f"{self.payee} {format_cents(self.amount_cents)}"


class Outcome(models.TextChoices):
    """What was done with a rejected movement nobody owes."""

    INTERNAL_TRANSFER = "internal_transfer", _("transfer between our own accounts")
    BANK_FEE = "bank_fee", _("bank fee or charges")
    OTHER = "other", _("other reason")
    REFUND = "refund", _("refunded to the payer")
    PAYOUT = "payout", _("payout of online payments")


class MovementOutcome(OrgModel):
    """A rejected movement set aside with a reason, or refunded to its payer; undone once,
    the movement is rejected again. A movement has at most one outcome not undone."""

    organisation = organisation_key(db_constraint=False)  # its movement's
    movement = models.ForeignKey(
        BankMovement,
        on_delete=models.PROTECT,
        related_name="outcomes",
        verbose_name=_("bank movement"),
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    refund = models.OneToOneField(
        Refund,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outcome",
        verbose_name=_("refund"),
    )
    date = models.DateField(_("date"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    undone_on = models.DateField(_("undone on"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("undone by"),
    )

    class Meta:
        verbose_name = _("outcome of a bank movement")
        verbose_name_plural = _("outcomes of bank movements")
        ordering = ["date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["movement"],
                condition=Q(undone_on__isnull=True),
                name="movementoutcome_live_once",
            ),
            models.CheckConstraint(
                condition=Q(outcome="refund", refund__isnull=False)
                | (~Q(outcome="refund") & Q(refund__isnull=True)),
                name="movementoutcome_refund",
            ),
        ]

    def clean(self) -> None:
        super().clean()
        if self.outcome == Outcome.OTHER and not self.note.strip():
            raise ValidationError({"note": _("Say in the note why the movement is set aside.")})

    def __str__(self) -> str:
        return f"{self.movement} {self.get_outcome_display()}"


# The provider's models live apart; imported here so that the app and its callers find them.
from regie.payments.online_models import OnlinePayment, OnlineRefund, Payout  # noqa: E402, F401
