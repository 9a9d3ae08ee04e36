"""Places, activity categories, activities and their prices (DOMAIN §2).

The rules live in the pure modules (:mod:`regie.attendance.windows`,
:mod:`regie.activities.pricing`); these models store the settings and turn themselves into the
pure values with :meth:`Activity.as_window` and :meth:`Price.as_value`.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from regie.activities import pricing
from regie.attendance import windows
from regie.core.models import OrgModel
from regie.people.models import Level, SchoolSite, TariffCategory


class Place(OrgModel):
    """A childcare place ("lieu d'accueil"), usually at a school site."""

    name = models.CharField(_("name"), max_length=200)
    site = models.ForeignKey(
        SchoolSite,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="places",
        verbose_name=_("school site"),
    )

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="place_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class ActivityCategory(OrgModel):
    """What a billing run bills: "Accueil", "Repas", "Plaine", "Stage"."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=30)
    tax_deductible = models.BooleanField(
        _("tax-deductible childcare"),
        default=False,
        help_text=_("Childcare and camps are; meals are not (tax certificates 281.86)."),
    )

    class Meta:
        verbose_name = _("activity category")
        verbose_name_plural = _("activity categories")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="activitycategory_unique_code"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Encoding(models.TextChoices):
    SCAN = "scan", _("scan (entry and exit)")
    REGISTRATION = "registration", _("registration (one per child and day)")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Activity(OrgModel):
    """An activity at a place, on some dates, in a daily time window."""

    name = models.CharField(_("name"), max_length=200)
    category = models.ForeignKey(
        ActivityCategory,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("category"),
    )
    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="activities", verbose_name=_("place")
    )
    levels = models.JSONField(
        _("levels"), default=list, blank=True, help_text=_("None ticked: every level.")
    )
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"), null=True, blank=True)
    weekdays = models.JSONField(
        _("weekdays"), default=list, blank=True, help_text=_("None ticked: every day.")
    )
    excluded_dates = models.JSONField(_("excluded dates"), default=list, blank=True)
    start_time = models.TimeField(_("start"))
    end_time = models.TimeField(_("end"))
    encoding = models.CharField(
        _("attendance encoding"), max_length=12, choices=Encoding.choices, default=Encoding.SCAN
    )
    bill_absence = models.BooleanField(
        _("bill absences"),
        default=False,
        help_text=_("For registrations: an absent child is billed all the same."),
    )
    next_activity = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="previous_activities",
        verbose_name=_("next activity (chain)"),
        help_text=_("Same place, starting when this one ends: e.g. early care → morning care."),
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["place__name", "start_time", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def excluded(self) -> list[date]:
        return [date.fromisoformat(day) for day in self.excluded_dates]

    def as_window(self) -> windows.Activity:
        """Return the pure value verification and the compatibility rule work with."""
        return windows.Activity(
            id=self.pk or 0,
            category_id=self.category_id,
            place_id=self.place_id,
            levels=frozenset(self.levels),
            date_from=self.date_from,
            date_to=self.date_to,
            weekdays=frozenset(self.weekdays),
            excluded_dates=frozenset(self.excluded),
            start=self.start_time,
            end=self.end_time,
            encoding=windows.Encoding(self.encoding),
            next_activity_id=self.next_activity_id,
            name=self.name,
        )

    def clean(self) -> None:
        unknown = set(self.levels) - set(Level.values)
        if unknown:
            raise ValidationError({"levels": _("Unknown level: %s") % ", ".join(sorted(unknown))})
        if self.date_to and self.date_from and self.date_to < self.date_from:
            raise ValidationError({"date_to": _("The activity ends before it starts.")})
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError({"end_time": _("The window must end after it starts.")})
        if self.next_activity_id and self.next_activity_id == self.pk:
            raise ValidationError({"next_activity": _("An activity cannot follow itself.")})


def level_label(code: str) -> str:
    return str(Level(code).label) if code in Level.values else code


class Price(OrgModel):
    """A price of one or more activities (DOMAIN §2), amounts in cents."""

    name = models.CharField(_("name"), max_length=200)
    activities = models.ManyToManyField(
        Activity, related_name="prices", verbose_name=_("activities")
    )
    period_minutes = models.PositiveIntegerField(
        _("period (minutes)"), help_text=_("24:00 (1440) means per day.")
    )
    unit_cents = models.PositiveIntegerField(_("unit price per started period (cents)"))
    maximum_cents = models.PositiveIntegerField(
        _("maximum per attendance (cents)"), default=0, help_text=_("0 = no maximum.")
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    positions = models.JSONField(
        _("child positions"), default=list, blank=True, help_text=_("Empty: every position.")
    )
    categories = models.ManyToManyField(
        TariffCategory, blank=True, related_name="prices", verbose_name=_("tariff categories")
    )
    without_category = models.BooleanField(
        _("children without a tariff category"),
        default=False,
        help_text=_("With no category ticked and this unticked, the price applies to everyone."),
    )
    cumulative = models.BooleanField(
        _("cumulative per day"),
        default=False,
        help_text=_("Add up the day's minutes under this price before counting the periods."),
    )

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        ordering = ["-valid_from", "name"]

    def __str__(self) -> str:
        return self.name

    def as_value(
        self,
        activity_ids: frozenset[int] | None = None,
        category_ids: frozenset[int] | None = None,
    ) -> pricing.Price:
        """Return the pure price; pass the many-to-many ids when the instance has none yet."""
        if activity_ids is None:
            activity_ids = frozenset(self.activities.values_list("pk", flat=True))
        if category_ids is None:
            category_ids = frozenset(self.categories.values_list("pk", flat=True))
        categories: frozenset[int | None] = frozenset(category_ids)
        if self.without_category:
            categories |= {pricing.NONE_CATEGORY}
        return pricing.Price(
            id=self.pk,
            name=self.name,
            activity_ids=frozenset(activity_ids),
            period_minutes=self.period_minutes,
            unit_cents=self.unit_cents,
            maximum_cents=self.maximum_cents,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            positions=frozenset(self.positions),
            categories=categories,
            cumulative=self.cumulative,
        )
