"""Scan events, registrations, days and attendances (DOMAIN §3).

Events are the encoding history and are never deleted, only deactivated. A :class:`Day` is one
child's date: its status and errors come from the last verification
(:mod:`regie.attendance.verification`), and its :class:`Attendance` rows are what billing reads.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from regie.activities.models import Activity, Place
from regie.core.errors import DomainError
from regie.core.models import OrgModel, organisation_key, secret_hash, secret_new
from regie.people.models import Child, Person


class Direction(models.TextChoices):
    ENTRY = "entry", _("entry")
    EXIT = "exit", _("exit")


class Source(models.TextChoices):
    PHONE = "phone", _("phone scan")
    MANUAL = "manual", _("manual entry")
    REGISTRATION = "registration", _("registration")


class Device(OrgModel):
    """A phone or tablet that sends scans; it authenticates with a secret token."""

    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    last_seen = models.DateTimeField(_("last seen"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("scanning device")
        verbose_name_plural = _("scanning devices")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    hash_token = staticmethod(secret_hash)

    def new_token(self) -> str:
        """Give the device a new secret token and return it (only its hash is stored)."""
        token, self.token_hash = secret_new("dev_")
        return token


class ScanEvent(OrgModel):
    """One entry or exit of a child at a place, as scanned or typed in."""

    child = models.ForeignKey(
        Child, on_delete=models.PROTECT, related_name="scan_events", verbose_name=_("child")
    )
    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("place")
    )
    date = models.DateField(_("date"))
    time = models.TimeField(_("time"))
    direction = models.CharField(_("direction"), max_length=5, choices=Direction.choices)
    source = models.CharField(
        _("source"), max_length=12, choices=Source.choices, default=Source.PHONE
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    device = models.ForeignKey(
        Device,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("device"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    client_event_id = models.UUIDField(_("client event id"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("scan event")
        verbose_name_plural = _("scan events")
        ordering = ["date", "time", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "client_event_id"], name="scanevent_unique_client_id"
            )
        ]
        indexes = [models.Index(fields=["organisation", "date", "child"])]

    def __str__(self) -> str:
        # !s:.5 also reads a time given as text ("16:30") on an instance not yet reloaded.
        return f"{self.child} {self.date} {self.time!s:.5} {self.get_direction_display()}"


class DayStatus(models.TextChoices):
    """Statuses of a day and of its attendances, with the seeds' colours in the CSS."""

    NOT_PROCESSED = "not_processed", _("not processed")
    ERROR = "error", _("error")
    VERIFIED = "verified", _("verified")
    BILLED = "billed", _("billed")


class Day(OrgModel):
    """All of one child's attendances on one date, and the outcome of their verification."""

    # The indexes (organisation, date) and (child, date) serve the queries by organisation and
    # by child: single-column indexes would only slow every write down.
    organisation = organisation_key(db_index=False)
    child = models.ForeignKey(
        Child,
        on_delete=models.PROTECT,
        related_name="days",
        verbose_name=_("child"),
        db_index=False,
    )
    date = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=13, choices=DayStatus.choices, default=DayStatus.NOT_PROCESSED
    )
    errors = models.JSONField(_("errors"), default=list, blank=True)
    swaps = models.JSONField(default=list, blank=True)
    choices = models.JSONField(default=dict, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("day")
        verbose_name_plural = _("days")
        ordering = ["-date", "child__last_name", "child__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["child", "date"], name="day_unique_child_date")
        ]
        # Not the status, which verification and billing change on every day of a month:
        # with room left in the pages (fill factor 50, migration 0004), the new version of a
        # day is written in place without touching an index (a HOT update).
        indexes = [models.Index(fields=["organisation", "date"], name="day_org_date")]

    def __str__(self) -> str:
        return f"{self.child} — {self.date:%d/%m/%Y}"

    def get_absolute_url(self) -> str:
        return reverse("attendance:day", args=[self.pk])

    def error_messages(self) -> list[str]:
        """Return the errors of the last verification in the active language."""
        return [DomainError.from_dict(error).translated() for error in self.errors]


class Registration(OrgModel):
    """A child registered to a registration-encoded activity (meals, camps) on some dates."""

    child = models.ForeignKey(
        Child, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("child")
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("activity")
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.child} — {self.activity}"


class RegistrationDate(OrgModel):
    """One registered date; an absent child is billed only when the activity bills absences."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="dates", verbose_name=_("registration")
    )
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    absent = models.BooleanField(_("absent"), default=False)

    class Meta:
        verbose_name = _("registered date")
        verbose_name_plural = _("registered dates")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "date"], name="registrationdate_unique_date"
            )
        ]
        indexes = [models.Index(fields=["organisation", "date", "child"])]

    def __str__(self) -> str:
        return f"{self.registration} {self.date:%d/%m/%Y}"


class Attendance(OrgModel):
    """A completed attendance: what billing prices and bills."""

    # Verification writes 355,000 attendances a month in a large commune, and billing marks
    # them billed: each index left out is a write less per row, each key check left out a
    # lookup less at the commit. (organisation, date) serves the queries by organisation,
    # child and place the screens' filters, day the verification. The database checks the
    # day key (the parent row); the organisation is the day's, and the child, activity, place
    # and person are written by verification from rows it has just read, under the day's lock.
    # The ORM still protects them from deletion (``PROTECT``).
    organisation = organisation_key(db_index=False, db_constraint=False)
    day = models.ForeignKey(Day, on_delete=models.CASCADE, related_name="attendances")
    child = models.ForeignKey(
        Child, on_delete=models.PROTECT, related_name="attendances", db_constraint=False
    )
    date = models.DateField(_("date"))
    activity = models.ForeignKey(
        Activity,
        on_delete=models.PROTECT,
        related_name="attendances",
        verbose_name=_("activity"),
        db_index=False,
        db_constraint=False,
    )
    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    start = models.TimeField(_("entry"))
    end = models.TimeField(_("exit"))
    minutes = models.PositiveIntegerField(_("minutes"))
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attendances",
        verbose_name=_("person"),
        db_index=False,
        db_constraint=False,
    )
    absent = models.BooleanField(_("absent"), default=False)
    status = models.CharField(
        _("status"), max_length=13, choices=DayStatus.choices, default=DayStatus.VERIFIED
    )
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.PHONE)
    event_ids = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["date", "start", "pk"]
        # The status is its verification's (an attendance is billed by its invoice line's
        # link, ``billing.models.posted_links``): queries by status narrow the dates first.
        indexes = [models.Index(fields=["organisation", "date"], name="attendance_org_date")]

    def __str__(self) -> str:
        return f"{self.child} {self.date:%d/%m/%Y} {self.activity} {self.start:%H:%M}"
