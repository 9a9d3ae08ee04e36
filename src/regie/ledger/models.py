"""The double-entry ledger: accounts, entries and their lines, immutable once written.

Entries are only written by :mod:`regie.ledger.services`. Each entry balances (checked by the
service and, on PostgreSQL, by a deferred constraint trigger), and each is chained to the
previous entry of its organisation by a SHA-256 over all its lines, so ``regie ledger verify``
finds any later change made behind the application's back.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from regie.activities.models import ActivityCategory
from regie.core.models import OrgModel, organisation_key
from regie.core.tenancy import ScopedManager, ScopedQuerySet
from regie.ledger.rules import AccountRole, Journal
from regie.people.models import Person

ROLE_LABELS = {
    AccountRole.RECEIVABLE: _("Receivables"),
    AccountRole.REVENUE: _("Revenue"),
    AccountRole.WRITE_OFF: _("Write-offs (non-valeurs)"),
    AccountRole.BANK: _("Bank"),
    AccountRole.CASH: _("Cash"),
    AccountRole.PERSON_CREDIT: _("Credits of persons"),
    AccountRole.SUSPENSE: _("Movements to allocate"),
    AccountRole.FEE_RECEIVABLE: _("Reminder fees receivable"),
    AccountRole.FEE_REVENUE: _("Reminder fees"),
    AccountRole.INTERNAL_TRANSFER: _("Internal transfers"),
    AccountRole.BANK_CHARGES: _("Bank charges"),
    AccountRole.SET_ASIDE: _("Movements set aside"),
    AccountRole.CLEARING: _("Online payments in transit"),
    AccountRole.PROVIDER_FEES: _("Payment provider fees"),
}
JOURNAL_LABELS = {
    Journal.SALES: pgettext_lazy("journal", "Sales"),
    Journal.BANK: pgettext_lazy("journal", "Bank"),
    Journal.CASH: pgettext_lazy("journal", "Cash"),
    Journal.MISC: pgettext_lazy("journal", "Miscellaneous operations"),
}


class ImmutableError(RuntimeError):
    """A posted ledger row was about to be changed or deleted."""


class _Immutable:
    def update(self, **kwargs):
        raise ImmutableError("ledger rows are immutable: post a reversing entry instead")

    def delete(self):
        raise ImmutableError("ledger rows are immutable: post a reversing entry instead")


class ImmutableQuerySet(_Immutable, ScopedQuerySet):
    pass


class ImmutableUnscopedQuerySet(_Immutable, models.QuerySet):
    pass


class ImmutableManager(ScopedManager.from_queryset(ImmutableQuerySet)):
    pass


class ImmutableModel(OrgModel):
    """A row that can be inserted, never updated or deleted through the ORM."""

    objects = ImmutableManager()
    unscoped_objects = models.Manager.from_queryset(ImmutableUnscopedQuerySet)()

    class Meta:
        abstract = True
        base_manager_name = "unscoped_objects"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ImmutableError(f"{type(self).__name__} #{self.pk} is posted and immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(f"{type(self).__name__} #{self.pk} is posted and immutable")


class Account(OrgModel):
    """An account of the organisation's chart, used for one role (and activity category)."""

    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=20, choices=list(ROLE_LABELS.items()))
    category = models.ForeignKey(
        ActivityCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("activity category"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="account_unique_code")
        ]

    def __str__(self) -> str:
        from regie.ledger.services import account_name  # the services use this model

        return f"{self.code} {account_name(self)}"


class Entry(ImmutableModel):
    """A balanced journal entry; ``sequence`` orders the organisation's hash chain."""

    journal = models.CharField(
        _("journal"),
        max_length=3,
        choices=list(JOURNAL_LABELS.items()),
    )
    sequence = models.PositiveBigIntegerField(_("sequence"))
    date = models.DateField(_("date"))
    label = models.CharField(_("label"), max_length=200)
    document = models.CharField(_("document"), max_length=50, db_index=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "sequence"], name="entry_unique_sequence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.journal} #{self.sequence} {self.document}"


class EntryLine(ImmutableModel):
    """A debit or a credit of one account, in cents."""

    # The organisation is its entry's, written with it by the ledger service: no key check
    # (30,000 lines for a bank file of 10,000 movements).
    organisation = organisation_key(db_constraint=False)
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines")
    debit = models.BigIntegerField(_("debit (cents)"), default=0)
    credit = models.BigIntegerField(_("credit (cents)"), default=0)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    category = models.ForeignKey(
        ActivityCategory, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    date = models.DateField(_("date"))
    label = models.CharField(_("label"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("entry line")
        verbose_name_plural = _("entry lines")
        ordering = ["entry", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(debit__gte=0, credit__gte=0)
                & (models.Q(debit=0) | models.Q(credit=0)),
                name="entryline_one_side",
            )
        ]
        indexes = [models.Index(fields=["organisation", "account", "date"])]

    def __str__(self) -> str:
        return f"{self.account} D {self.debit} C {self.credit}"
