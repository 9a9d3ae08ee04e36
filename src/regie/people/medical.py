"""A child's medical data: the coordinator's screens, each view of the full record logged.

Special-category personal data (GDPR art. 9): only the ``medical.view`` capability (the
coordinator) opens the full record, and every opening writes an audit entry the auditor reads
in the configuration's audit log. Childcare staff see only the alerts, in the scanning app.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from regie.core.models import AuditLog
from regie.core.views import audit, require_capability
from regie.people.models import Child, MedicalRecord


class MedicalForm(forms.ModelForm):
    class Meta:
        model = MedicalRecord
        fields = ["allergies", "diet", "medication", "doctor", "doctor_phone", "notes"]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3}) for name in ("allergies", "medication", "notes")
        }


@transaction.atomic
def medical_record_save(*, child: Child, **fields: str) -> MedicalRecord:
    """Create or change the medical record of ``child`` with ``fields`` (validated)."""
    record = MedicalRecord.objects.filter(child=child).first() or MedicalRecord(child=child)
    for name, value in fields.items():
        setattr(record, name, value)
    record.full_clean()
    record.save()
    return record


def _child_viewed(request, pk: int) -> tuple[Child, MedicalRecord]:
    require_capability(request, "medical.view")
    child = get_object_or_404(Child.objects, pk=pk)
    record = MedicalRecord.objects.filter(child=child).first() or MedicalRecord(child=child)
    audit(request, action=AuditLog.Action.VIEW_MEDICAL, obj=child, detail=str(child))
    return child, record


def medical_detail(request, pk: int):
    """Show a child's full medical record; the view is logged."""
    child, record = _child_viewed(request, pk)
    return render(request, "people/medical_detail.html", {"child": child, "record": record})


def medical_edit(request, pk: int):
    """Edit a child's medical record (opening the form shows the record: logged too)."""
    child, record = _child_viewed(request, pk)
    form = MedicalForm(request.POST or None, instance=record)
    if request.method == "POST" and form.is_valid():
        medical_record_save(child=child, **form.cleaned_data)
        messages.success(request, _("Medical data saved."))
        return redirect("people:child-medical", pk=child.pk)
    title = _("Medical data of %(child)s") % {"child": child}
    return render(request, "people/form.html", {"form": form, "title": title})
