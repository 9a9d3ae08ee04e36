"""Organisations, users, memberships with roles, and the audit log."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from regie.core import validators
from regie.core.tenancy import ALL, ScopedManager, ScopeError, active_scope


class Language(models.TextChoices):
    FR = "fr", _("French")
    NL = "nl", _("Dutch")
    DE = "de", _("German")


class OrganisationKind(models.TextChoices):
    COMMUNE = "commune", _("Commune")
    CPAS = "cpas", _("CPAS / OCMW")
    NONPROFIT = "nonprofit", _("Municipal non-profit")


def second_factor_default() -> bool:
    """Whether a new organisation requires a second factor: ``REGIE_REQUIRE_2FA_DEFAULT``."""
    return settings.REGIE_REQUIRE_2FA_DEFAULT


class Organisation(models.Model):
    """A local authority: the tenant every business record belongs to."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=OrganisationKind.choices, default=OrganisationKind.COMMUNE
    )
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    enterprise_number = models.CharField(
        _("enterprise number (BCE/KBO)"), max_length=10, unique=True
    )
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    language = models.CharField(
        _("default language"), max_length=2, choices=Language.choices, default=Language.FR
    )
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    positions_oldest_first = models.BooleanField(
        _("child position: oldest first"),
        default=True,
        help_text=_(
            "Rank the children sharing a billable person from the oldest (1) to the youngest. "
            "Untick to rank from the youngest."
        ),
    )
    require_second_factor = models.BooleanField(
        _("require a second factor"),
        default=second_factor_default,
        help_text=_(
            "Administrators and finance officers then confirm each login with a code from an "
            "authenticator app (or a recovery code)."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = validators.clean_identifiers(
            self,
            (
                ("enterprise_number", validators.clean_enterprise_number),
                ("iban", validators.clean_iban),
                ("bic", validators.clean_bic),
            ),
        )
        if errors:
            raise ValidationError(errors)


class User(AbstractUser):
    """A person who logs in to the back-office; belongs to organisations through memberships."""

    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.FR
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        """The person's name wherever a user is shown ("recorded by"), the login if none."""
        return self.get_full_name() or self.username


class Role(models.TextChoices):
    ADMINISTRATOR = "admin", _("Administrator")
    COORDINATOR = "coordinator", _("Coordinator")
    STAFF = "staff", _("Childcare staff")
    FINANCE = "finance", _("Finance officer")
    AUDITOR = "auditor", _("Auditor (read-only)")


class Membership(models.Model):
    """A user's role in one organisation."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"


def organisation_key(*, db_index: bool = True, db_constraint: bool = True) -> models.ForeignKey:
    """Return the ``organisation`` field of a business record.

    A large table may do without the single-column index (when a composite index starting
    with the organisation serves its queries) or, for rows that only a service writes with
    the organisation of their parent row, without the database's key check.
    """
    return models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=db_index,
        db_constraint=db_constraint,
    )


class OrgModel(models.Model):
    """Base of every business record: it belongs to exactly one organisation.

    ``objects`` only sees the active organisation's rows (see :mod:`regie.core.tenancy`);
    ``unscoped_objects`` is for platform maintenance that deliberately spans organisations.
    """

    organisation = organisation_key()

    objects = ScopedManager()
    unscoped_objects = models.Manager()

    class Meta:
        abstract = True
        base_manager_name = "unscoped_objects"

    def save(self, *args, **kwargs):
        self._check_organisation()
        super().save(*args, **kwargs)

    def _fill_organisation(self) -> None:
        current = active_scope()
        if self.organisation_id is None and current is not None and current is not ALL:
            self.organisation = current

    # Forms exclude the organisation (it is implicit); unique constraints that include it must
    # still be checked before saving, so that a duplicate gives a message, not an error page.
    def validate_unique(self, exclude=None):
        self._fill_organisation()
        super().validate_unique(exclude=set(exclude or ()) - {"organisation"})

    def validate_constraints(self, exclude=None):
        self._fill_organisation()
        super().validate_constraints(exclude=set(exclude or ()) - {"organisation"})

    def _check_organisation(self) -> None:
        """Fill the organisation from the active scope and refuse any cross-organisation link."""
        current = active_scope()
        self._fill_organisation()
        if self.organisation_id is None:
            raise ScopeError(f"{type(self).__name__} saved without an organisation")
        if current is not None and current is not ALL and current.pk != self.organisation_id:
            raise ScopeError(f"{type(self).__name__} belongs to another organisation")
        for field in self._meta.concrete_fields:
            if not field.is_relation or not issubclass(field.related_model, OrgModel):
                continue
            target_id = getattr(self, field.attname)
            if target_id is None:
                continue
            cached = field.get_cached_value(self, default=None)
            if cached is not None and cached.pk == target_id:
                target_org = cached.organisation_id
            else:
                target_org = (
                    field.related_model.unscoped_objects.filter(pk=target_id)
                    .values_list("organisation_id", flat=True)
                    .first()
                )
            if target_org != self.organisation_id:
                raise ScopeError(
                    f"{type(self).__name__}.{field.name} points to another organisation"
                )


class AuditLog(OrgModel):
    """Who saw or did what to which record: national numbers viewed in full, for instance."""

    class Action(models.TextChoices):
        VIEW_NATIONAL_NUMBER = "view_nn", _("national number viewed")
        VIEW_MEDICAL = "view_medical", _("medical record viewed")
        EXPORT = "export", _("export")
        LOGIN = "login", _("login")
        SECOND_FACTOR_ENROL = "2fa_enrol", _("second factor set up")
        SECOND_FACTOR_LOGIN = "2fa_login", _("login confirmed by a second factor")
        SECOND_FACTOR_FAILED = "2fa_failed", _("wrong second-factor code")
        RECOVERY_CODE_USED = "2fa_recovery", _("recovery code used")
        RECOVERY_CODES_NEW = "2fa_codes", _("new recovery codes")
        SECOND_FACTOR_RESET = "2fa_reset", _("second factor reset")
        SECOND_FACTOR_POLICY = "2fa_policy", _("second factor requirement changed")
        MEMBER_INVITE = "member_invite", _("member invited")
        MEMBER_ROLE = "member_role", _("member's role changed")
        MEMBER_OFF = "member_off", _("member deactivated")
        MEMBER_ON = "member_on", _("member reactivated")
        MEMBER_JOIN = "member_join", _("invitation accepted")

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    model = models.CharField(_("record type"), max_length=100)
    object_id = models.CharField(_("record id"), max_length=64)
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at"]

    def __str__(self) -> str:
        action = self.get_action_display()
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {action} {self.model} {self.object_id}"


class Job(OrgModel):
    """A long piece of work run in the background, with the progress the user watches."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def percent(self) -> int:
        """Return the progress as a whole percentage (100 once done)."""
        if self.status == self.Status.DONE:
            return 100
        return min(100, self.done * 100 // self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class Sequence(OrgModel):
    """A gapless counter per organisation and key (invoice numbers per year, receipts...)."""

    key = models.CharField(_("key"), max_length=50)
    last = models.PositiveBigIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="sequence_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.last}"


def secret_hash(secret: str) -> str:
    """Return what is stored of a secret token: its SHA-256, in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_new(prefix: str) -> tuple[str, str]:
    """Return a new secret token starting with ``prefix``, and its hash (all that is kept)."""
    secret = prefix + secrets.token_urlsafe(32)
    return secret, secret_hash(secret)


class ApiToken(OrgModel):
    """A user's secret for the HTTP API (an accounting system, a bank connector...).

    It acts as its user in its organisation: the user's current role there decides what it may
    do, so a token stops working when the membership ends. Only the SHA-256 of the secret is
    stored; the secret is shown once, when the token is created. A revoked token stays listed.
    """

    PREFIX = "api_"

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("beginning of the token"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    hash_token = staticmethod(secret_hash)

    def new_secret(self) -> str:
        """Give the token a new secret and return it (only its hash is stored)."""
        secret, self.token_hash = secret_new(self.PREFIX)
        self.hint = secret[:10]
        return secret

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Invitation(OrgModel):
    """A single-use, expiring link that lets an invited user choose a password.

    Only the SHA-256 of the secret is stored; the secret travels in the e-mail only.
    """

    PREFIX = "inv_"

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("member")
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return str(self.membership.user.email)


class Submission(OrgModel):
    """A one-time token of a form that creates money, consumed with the write it allowed
    (:mod:`regie.core.once`): the same token twice is refused by the unique key."""

    token = models.UUIDField(_("token"))
    user = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    result_url = models.CharField(_("result"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "token"], name="submission_once")
        ]

    def __str__(self) -> str:
        return str(self.token)
