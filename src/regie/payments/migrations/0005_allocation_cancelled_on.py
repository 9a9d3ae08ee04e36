"""The day an allocation was undone, for the reconciliation: its payment's cancellation day,
else the day of its invoice's credit note (the money went back to the person's credit)."""

from django.db import migrations, models
from django.utils import timezone


def cancelled_on_fill(apps, schema_editor):
    Allocation = apps.get_model("payments", "Allocation")
    Invoice = apps.get_model("billing", "Invoice")
    credited = {}
    rows = Invoice.objects.filter(credit_of__isnull=False, posted_at__isnull=False)
    for invoice_id, day in rows.order_by("invoice_date").values_list("credit_of_id", "invoice_date"):
        credited.setdefault(invoice_id, day)
    undone = Allocation.objects.filter(cancelled=True, cancelled_on__isnull=True)
    for allocation in undone.select_related("payment").iterator():
        cancelled_at = allocation.payment.cancelled_at
        if cancelled_at is not None:
            day = timezone.localdate(cancelled_at)
        else:
            day = credited.get(allocation.invoice_id, allocation.date)
        Allocation.objects.filter(pk=allocation.pk).update(cancelled_on=day)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0005_links_unchecked"),
        ("payments", "0004_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="allocation",
            name="cancelled_on",
            field=models.DateField(blank=True, null=True, verbose_name="cancelled on"),
        ),
        migrations.RunPython(cancelled_on_fill, migrations.RunPython.noop),
    ]
