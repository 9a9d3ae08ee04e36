"""The registry ("signalétique"): school sites, classes, tariff categories, children, persons."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from stdnum.be import nn as stdnum_nn

from regie.core import validators
from regie.core.models import Language, OrgModel


class Level(models.TextChoices):
    """School levels, in school order."""

    M0 = "M0", _("reception class")
    M1 = "M1", _("1st year nursery")
    M2 = "M2", _("2nd year nursery")
    M3 = "M3", _("3rd year nursery")
    P1 = "P1", _("1st year primary")
    P2 = "P2", _("2nd year primary")
    P3 = "P3", _("3rd year primary")
    P4 = "P4", _("4th year primary")
    P5 = "P5", _("5th year primary")
    P6 = "P6", _("6th year primary")
    S = "S", _("secondary")


class SchoolSite(OrgModel):
    """A school implantation ("implantation scolaire")."""

    name = models.CharField(_("name"), max_length=200)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("school site")
        verbose_name_plural = _("school sites")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="schoolsite_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class SchoolClass(OrgModel):
    """A class of a school site, at one level."""

    site = models.ForeignKey(
        SchoolSite, on_delete=models.PROTECT, related_name="classes", verbose_name=_("school site")
    )
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=2, choices=Level.choices)

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["site__name", "level", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="schoolclass_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.site} — {self.name}"


class TariffCategory(OrgModel):
    """A tariff category ("catégorie tarifaire"), e.g. CPAS or municipal staff."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=30)

    class Meta:
        verbose_name = _("tariff category")
        verbose_name_plural = _("tariff categories")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="tariffcategory_unique")
        ]

    def __str__(self) -> str:
        return self.name


def new_scan_token() -> str:
    """Return a fresh secret scan token (printed as a QR code on the child's card)."""
    return secrets.token_urlsafe(18)


class Child(OrgModel):
    """A child who attends childcare, meals or camps."""

    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    birth_date = models.DateField(_("birth date"))
    national_number = models.CharField(
        _("national register or BIS number"), max_length=20, blank=True
    )
    site = models.ForeignKey(
        SchoolSite,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("school site"),
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("class"),
    )
    level = models.CharField(_("level"), max_length=2, choices=Level.choices, blank=True)
    tariff_category = models.ForeignKey(
        TariffCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("tariff category"),
    )
    scan_token = models.CharField(
        _("scan token"), max_length=40, unique=True, default=new_scan_token, editable=False
    )
    is_active = models.BooleanField(_("active"), default=True)
    severe_disability = models.BooleanField(
        _("severe disability"),
        default=False,
        help_text=_("Childcare costs stay deductible until 21 instead of 14."),
    )
    persons = models.ManyToManyField("Person", through="ChildPerson", related_name="children")

    class Meta:
        verbose_name = _("child")
        verbose_name_plural = _("children")
        ordering = ["last_name", "first_name", "id"]
        indexes = [models.Index(fields=["organisation", "last_name", "first_name"])]

    def __str__(self) -> str:
        return f"{self.last_name} {self.first_name}"

    def clean(self) -> None:
        errors: dict[str, ValidationError] = {}
        if self.national_number:
            try:
                self.national_number = validators.clean_national_number(self.national_number)
            except ValidationError as exc:
                errors["national_number"] = exc
            else:
                self._check_birth_date(errors)
        if self.school_class_id and self.site_id and self.school_class.site_id != self.site_id:
            errors["school_class"] = ValidationError(
                _("This class belongs to another school site; choose a class of %(site)s."),
                params={"site": self.site},
            )
        if self.school_class_id:
            self.site_id = self.school_class.site_id
            if not self.level:
                self.level = self.school_class.level
        if errors:
            raise ValidationError(errors)

    def _check_birth_date(self, errors: dict) -> None:
        if not self.birth_date or len(self.national_number) != 11:
            return
        try:
            born = stdnum_nn.get_birth_date(self.national_number)
        except Exception:  # noqa: BLE001 - BIS numbers may hide the birth date
            return
        if born and born != self.birth_date:
            errors["national_number"] = ValidationError(
                _(
                    "This national number belongs to someone born on %(born)s, but the birth "
                    "date is %(birth_date)s; correct one of them."
                ),
                params={
                    "born": born.strftime("%d/%m/%Y"),
                    "birth_date": self.birth_date.strftime("%d/%m/%Y"),
                },
            )

    @property
    def masked_national_number(self) -> str:
        return validators.mask_national_number(self.national_number)

    def get_absolute_url(self) -> str:
        return reverse("people:child-detail", args=[self.pk])


class Delivery(models.TextChoices):
    EMAIL = "email", _("e-mail")
    POST = "post", _("post")


class Person(OrgModel):
    """A parent, guardian or other debtor."""

    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="BE")
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.FR
    )
    delivery = models.CharField(
        _("documents sent by"), max_length=10, choices=Delivery.choices, default=Delivery.POST
    )
    national_number = models.CharField(
        _("national register or BIS number"), max_length=20, blank=True
    )
    enterprise_number = models.CharField(
        _("enterprise number (BCE/KBO)"),
        max_length=10,
        blank=True,
        help_text=_("A company: its name is the last name."),
    )
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["organisation", "last_name", "first_name"]),
            # A pushed file's applicant is found by these (regie.fees.applicants): without
            # them each push scanned the whole registry.
            models.Index(F("organisation"), Upper("email"), name="person_email_upper"),
            models.Index(fields=["organisation", "national_number"], name="person_national"),
            models.Index(fields=["organisation", "enterprise_number"], name="person_enterprise"),
        ]

    def __str__(self) -> str:
        return f"{self.last_name} {self.first_name}".strip()

    def clean(self) -> None:
        errors = validators.clean_identifiers(
            self,
            (
                ("national_number", validators.clean_national_number),
                ("enterprise_number", validators.clean_enterprise_number),
                ("iban", validators.clean_iban),
                ("phone", lambda value: validators.clean_phone(value, self.country)),
            ),
        )
        if self.delivery == Delivery.EMAIL and not self.email:
            errors["email"] = ValidationError(
                _("Documents go by e-mail: give an e-mail address, or choose post.")
            )
        if self.delivery == Delivery.POST and not (self.street and self.postcode and self.city):
            errors["street"] = ValidationError(
                _("Documents go by post: give the street, postcode and city, or choose e-mail.")
            )
        if errors:
            raise ValidationError(errors)

    @property
    def masked_national_number(self) -> str:
        return validators.mask_national_number(self.national_number)

    @property
    def formatted_enterprise_number(self) -> str:
        """Return the enterprise number as printed: 0207.451.227 (empty when none)."""
        n = self.enterprise_number
        return f"{n[:4]}.{n[4:7]}.{n[7:]}" if len(n) == 10 else n

    def get_absolute_url(self) -> str:
        return reverse("people:person-detail", args=[self.pk])

    @property
    def address_lines(self) -> list[str]:
        return [line for line in (self.street, f"{self.postcode} {self.city}".strip()) if line]


class Relationship(models.TextChoices):
    MOTHER = "mother", _("mother")
    FATHER = "father", _("father")
    GUARDIAN = "guardian", _("guardian")
    OTHER = "other", _("other")


class ChildPerson(OrgModel):
    """The link between a child and a person, with its three independent flags."""

    child = models.ForeignKey(
        Child, on_delete=models.CASCADE, related_name="links", verbose_name=_("child")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="links", verbose_name=_("person")
    )
    relationship = models.CharField(
        _("relationship"), max_length=10, choices=Relationship.choices, default=Relationship.OTHER
    )
    billable = models.BooleanField(
        _("billable"), default=False, help_text=_("May receive invoices for this child.")
    )
    attestable = models.BooleanField(
        _("attestable"),
        default=False,
        help_text=_("Receives the tax certificate for childcare costs."),
    )
    custodial = models.BooleanField(
        _("custodial"), default=False, help_text=_("The child lives at this person's address.")
    )

    class Meta:
        verbose_name = _("child–person link")
        verbose_name_plural = _("child–person links")
        ordering = ["child", "-billable", "person"]
        constraints = [
            models.UniqueConstraint(fields=["child", "person"], name="childperson_unique")
        ]

    def __str__(self) -> str:
        return f"{self.child} — {self.person}"


class MedicalRecord(OrgModel):
    """A child's medical data ("Données médicales"): special-category personal data.

    The coordinator sees and edits it (every view of the full record is logged); childcare
    staff see only :meth:`alerts` of the children of their places, in the scanning app.
    """

    child = models.OneToOneField(
        Child, on_delete=models.CASCADE, related_name="medical", verbose_name=_("child")
    )
    allergies = models.TextField(_("allergies"), blank=True)
    diet = models.CharField(_("diet"), max_length=200, blank=True)
    medication = models.TextField(_("medication"), blank=True)
    doctor = models.CharField(_("doctor"), max_length=200, blank=True)
    doctor_phone = models.CharField(_("doctor's phone"), max_length=40, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("medical record")
        verbose_name_plural = _("medical records")
        ordering = ["child"]

    def __str__(self) -> str:
        return str(self.child)

    ALERT_FIELDS = ("allergies", "diet", "medication")

    def alerts(self) -> list[dict[str, str]]:
        """Return what staff at the door must know: allergies, diet, medication (filled ones).

        >>> MedicalRecord(allergies="Arachides", medication="").alerts()[0]["field"]
        'allergies'
        """
        return [
            {"field": name, "label": str(self._meta.get_field(name).verbose_name), "text": value}
            for name in self.ALERT_FIELDS
            if (value := getattr(self, name).strip())
        ]
