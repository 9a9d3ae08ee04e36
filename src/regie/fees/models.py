"""Fees of other services (DOMAIN §8): services, the files their systems push, versions, lines.

A *service* (occupation of the public domain, events…) is connected to its own software (the
permit system) by a secret token that may only push files. A *file* is the permit system's
dossier, identified by its own id (unique per service); each push that changes it makes a new
*version* with its lines, its amount and its own structured communication. The file carries
the current version's figures, so lists need no join.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from stdnum.be import ogm_vcs

from regie.activities.models import ActivityCategory
from regie.core.models import OrgModel, secret_hash, secret_new
from regie.people.models import Person


class Way(models.TextChoices):
    ADVANCE = "advance", _("paid in advance")
    AFTERWARDS = "afterwards", _("invoiced afterwards")


class FileState(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", _("awaiting payment")
    PAID = "paid", pgettext_lazy("a service file", "paid")
    TO_INVOICE = "to_invoice", _("to invoice")
    INVOICED = "invoiced", _("invoiced")
    CANCELLED = "cancelled", _("cancelled")


COUNTER_HELP = _(
    "Where and when applicants pay at the counter (address, opening hours), printed on the "
    "payment request and its page. Empty: the organisation's address."
)


class Service(OrgModel):
    """A municipal service whose fees Regie collects, and its connection to its software."""

    TOKEN_PREFIX = "svc_"  # noqa: S105 (the start of every token, not a secret)

    name = models.CharField(_("name"), max_length=100)
    category = models.ForeignKey(
        ActivityCategory,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
        help_text=_("Its revenue is booked on this category's accounts."),
    )
    budget_article = models.CharField(_("budget article"), max_length=30, blank=True)
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=4, decimal_places=2, default=0)
    default_way = models.CharField(
        _("default way of paying"), max_length=10, choices=Way.choices, default=Way.ADVANCE
    )
    days_to_pay = models.PositiveSmallIntegerField(_("days to pay"), default=15)
    callback_url = models.URLField(
        _("address called back when a file is paid"), max_length=300, blank=True
    )
    callback_secret = models.CharField(_("signing secret"), max_length=64, blank=True)
    token_hash = models.CharField(max_length=64, null=True, unique=True, editable=False)
    token_hint = models.CharField(_("beginning of the token"), max_length=12, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    counter_fr = models.TextField(_("counter (French)"), blank=True, help_text=COUNTER_HELP)
    counter_nl = models.TextField(_("counter (Dutch)"), blank=True, help_text=COUNTER_HELP)
    counter_de = models.TextField(_("counter (German)"), blank=True, help_text=COUNTER_HELP)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="service_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    hash_token = staticmethod(secret_hash)

    def counter(self, language: str) -> str:
        """Return where and when to pay at the counter, in ``language`` (else in French)."""
        return getattr(self, f"counter_{language}", "") or self.counter_fr

    def new_token(self) -> str:
        """Give the service a new secret token and return it (only its hash is kept)."""
        token, self.token_hash = secret_new(self.TOKEN_PREFIX)
        self.token_hint = token[:10]
        return token


class ServiceFile(OrgModel):
    """A file pushed by a service's system, with its current version's figures."""

    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="files", verbose_name=_("service")
    )
    external_id = models.CharField(_("file id in the service's system"), max_length=100)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="service_files", verbose_name=_("applicant")
    )
    description = models.CharField(_("description"), max_length=300)
    date_from = models.DateField(_("from"), null=True, blank=True)
    date_to = models.DateField(_("to"), null=True, blank=True)
    way = models.CharField(_("way of paying"), max_length=10, choices=Way.choices)
    state = models.CharField(_("state"), max_length=20, choices=FileState.choices)
    version = models.PositiveIntegerField(_("version"), default=1)
    amount_cents = models.BigIntegerField(_("amount (cents)"), default=0)
    communication = models.CharField(_("structured communication"), max_length=12)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    pay_token = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    invoice = models.OneToOneField(
        "billing.Invoice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_file",
        verbose_name=_("invoice"),
        help_text=_("Invoiced afterwards: the invoice issued at approval."),
    )

    class Meta:
        verbose_name = _("service file")
        verbose_name_plural = _("service files")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "external_id"], name="servicefile_unique_external_id"
            )
        ]
        indexes = [models.Index(fields=["organisation", "state"])]

    def __str__(self) -> str:
        return f"{self.service} {self.external_id}"

    @property
    def formatted_communication(self) -> str:
        return f"+++{ogm_vcs.format(self.communication)}+++" if self.communication else ""


class FileVersion(OrgModel):
    """One version of a file as pushed: its lines, amount and structured communication."""

    file = models.ForeignKey(
        ServiceFile, on_delete=models.CASCADE, related_name="versions", verbose_name=_("file")
    )
    number = models.PositiveIntegerField(_("version"))
    digest = models.CharField(_("fingerprint of what was pushed"), max_length=64)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    communication = models.CharField(_("structured communication"), max_length=12)
    pushed = models.JSONField(_("as pushed"), default=dict)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("file version")
        verbose_name_plural = _("file versions")
        ordering = ["file", "number"]
        constraints = [
            models.UniqueConstraint(fields=["file", "number"], name="fileversion_unique_number"),
            models.UniqueConstraint(
                fields=["organisation", "communication"],
                condition=~Q(communication=""),
                name="fileversion_unique_communication",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file} v{self.number}"


class FileLine(OrgModel):
    """A line of a version: label, quantity × unit price (VAT included) = amount."""

    version = models.ForeignKey(
        FileVersion, on_delete=models.CASCADE, related_name="lines", verbose_name=_("version")
    )
    label = models.CharField(_("label"), max_length=200)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit_cents = models.BigIntegerField(_("unit price (cents)"))
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=4, decimal_places=2)
    amount_cents = models.BigIntegerField(_("amount (cents)"))

    class Meta:
        verbose_name = _("file line")
        verbose_name_plural = _("file lines")
        ordering = ["version", "pk"]

    def __str__(self) -> str:
        return self.label


class FilePayment(OrgModel):
    """What a payment (bank, counter, online) paid of a file; undone when it is cancelled."""

    file = models.ForeignKey(
        ServiceFile, on_delete=models.PROTECT, related_name="payments", verbose_name=_("file")
    )
    version = models.ForeignKey(
        FileVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("version")
    )
    payment = models.ForeignKey(
        "payments.Payment",
        on_delete=models.PROTECT,
        related_name="file_payments",
        verbose_name=_("payment"),
    )
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    date = models.DateField(_("date"))
    cancelled = models.BooleanField(_("cancelled"), default=False)

    class Meta:
        verbose_name = _("payment of a file")
        verbose_name_plural = _("payments of files")
        ordering = ["file", "date", "pk"]

    def __str__(self) -> str:
        return f"{self.file} P{self.payment_id}"


class CallbackStatus(models.TextChoices):
    PENDING = "pending", _("not acknowledged yet")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")


class Callback(OrgModel):
    """Telling a service's system that a file is paid: retried until it is acknowledged."""

    file = models.ForeignKey(
        ServiceFile, on_delete=models.CASCADE, related_name="callbacks", verbose_name=_("file")
    )
    url = models.URLField(_("address"), max_length=300)
    body = models.JSONField(_("what is sent"), default=dict)
    status = models.CharField(
        _("status"), max_length=12, choices=CallbackStatus.choices, default=CallbackStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("call-back")
        verbose_name_plural = _("call-backs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "status", "next_at"])]

    def __str__(self) -> str:
        return f"{self.file} → {self.url}"


class CallbackAttempt(OrgModel):
    """One try of a call-back: when, the answer's status (or the error), how long it took."""

    callback = models.ForeignKey(
        Callback, on_delete=models.CASCADE, related_name="tries", verbose_name=_("call-back")
    )
    at = models.DateTimeField(_("at"))
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    milliseconds = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("call-back attempt")
        verbose_name_plural = _("call-back attempts")
        ordering = ["callback", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.status_code or self.error}"


class MollieSettings(OrgModel):
    """The organisation's Mollie account: its API key (a secret) and, for tests and the demo,
    the address of the simulated Mollie that stands in for Mollie's own."""

    api_key = models.CharField(_("API key"), max_length=200, blank=True)
    key_hint = models.CharField(_("beginning of the API key"), max_length=12, blank=True)
    api_endpoint = models.URLField(
        _("address of the API"),
        max_length=200,
        blank=True,
        help_text=_(
            "Leave empty to use Mollie. The simulated Mollie of the demo and the tests answers "
            "on a local address such as http://127.0.0.1:8765."
        ),
    )
    is_active = models.BooleanField(_("online payment offered"), default=True)

    class Meta:
        verbose_name = _("Mollie settings")
        verbose_name_plural = _("Mollie settings")
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="molliesettings_one_per_org")
        ]

    def __str__(self) -> str:
        return f"Mollie {self.key_hint}…" if self.key_hint else "Mollie"


class CheckoutStatus(models.TextChoices):
    OPEN = "open", _("open")
    PENDING = "pending", _("pending")
    AUTHORIZED = "authorized", _("authorised")
    PAID = "paid", pgettext_lazy("an online payment", "paid")
    CANCELED = "canceled", _("cancelled")
    EXPIRED = "expired", _("expired")
    FAILED = "failed", _("failed")


#: Statuses after which the payer may try again with a new Mollie payment.
CHECKOUT_RETRYABLE = (CheckoutStatus.CANCELED, CheckoutStatus.EXPIRED, CheckoutStatus.FAILED)


class Checkout(OrgModel):
    """A payment created at Mollie for a structured communication and an amount.

    Its idempotency key is derived from the communication, the amount and the number of earlier
    tries that ended without payment, so that a double click or a lost answer gives back the
    same payment while an expired or failed one can be tried again.
    """

    mollie_id = models.CharField(_("Mollie payment"), max_length=40, unique=True)
    idempotency_key = models.CharField(max_length=100)
    communication = models.CharField(_("structured communication"), max_length=12)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    file = models.ForeignKey(
        ServiceFile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checkouts",
        verbose_name=_("file"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=CheckoutStatus.choices, default=CheckoutStatus.OPEN
    )
    checkout_url = models.URLField(_("checkout address"), max_length=500, blank=True)
    method = models.CharField(_("method"), max_length=30, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    recorded_at = models.DateTimeField(_("payment recorded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("online payment")
        verbose_name_plural = _("online payments")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "idempotency_key"], name="checkout_unique_key"
            )
        ]
        indexes = [models.Index(fields=["organisation", "communication"])]

    def __str__(self) -> str:
        return self.mollie_id
