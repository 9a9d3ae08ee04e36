"""The demo's scanning: Aline (childcare staff) works at the first place; a few alerts."""

from __future__ import annotations

from regie.activities.models import Place
from regie.people.models import Child, MedicalRecord
from regie.scanning.models import StaffPlace

ALERTS = (
    {"allergies": "Arachides (choc anaphylactique) : stylo d'adrénaline dans le sac"},
    {"diet": "Sans porc"},
    {
        "medication": "Ventolin avant le sport",
        "doctor": "Dr Martin",
        "doctor_phone": "081 22 33 44",
    },
)


def door_for_demo(staff_id: int) -> None:
    """Assign the demo's staff member to the first place; give three of its children alerts."""
    place = Place.objects.order_by("name", "pk").first()
    if place is None:
        return
    StaffPlace.objects.create(user_id=staff_id, place=place)
    children = Child.objects.filter(is_active=True, site_id=place.site_id).order_by("pk")
    for child, fields in zip(children, ALERTS, strict=False):
        MedicalRecord.objects.create(child=child, **fields)
