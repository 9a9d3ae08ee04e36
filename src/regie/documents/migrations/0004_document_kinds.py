"""Documents of several kinds: batches, sendings and e-mail templates name a kind.

Existing rows are invoices': a batch's run becomes its group, a sending's invoice its
document.
"""

from django.db import migrations, models


def forwards(apps, schema_editor):
    Batch = apps.get_model("documents", "DocumentBatch")
    Sending = apps.get_model("documents", "Sending")
    Batch._base_manager.filter(run__isnull=False).update(group_id=models.F("run_id"))
    Sending._base_manager.update(document_id=models.F("invoice_id"))


def backwards(apps, schema_editor):
    Batch = apps.get_model("documents", "DocumentBatch")
    Sending = apps.get_model("documents", "Sending")
    Batch._base_manager.filter(kind="invoice", group_id__isnull=False).update(
        run_id=models.F("group_id")
    )
    Sending._base_manager.filter(kind="invoice").update(invoice_id=models.F("document_id"))


class Migration(migrations.Migration):

    dependencies = [
        ('documents', '0003_sending_claimed_at'),
    ]

    operations = [
        migrations.AddField(
            model_name='documentbatch',
            name='kind',
            field=models.CharField(default='invoice', max_length=30, verbose_name='kind of document'),
        ),
        migrations.AddField(
            model_name='documentbatch',
            name='group_id',
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.RenameField(
            model_name='documentbatch',
            old_name='invoice_ids',
            new_name='document_ids',
        ),
        migrations.AlterField(
            model_name='documentbatch',
            name='document_ids',
            field=models.JSONField(blank=True, default=list, verbose_name='documents'),
        ),
        migrations.AlterField(
            model_name='documentbatch',
            name='expected',
            field=models.PositiveIntegerField(default=0, verbose_name='documents asked for'),
        ),
        migrations.AlterField(
            model_name='documentbatch',
            name='format',
            field=models.CharField(choices=[('zip', 'ZIP of one PDF per document'), ('pdf', 'one combined PDF'), ('post', 'post: one PDF sorted by postcode')], max_length=10, verbose_name='format'),
        ),
        migrations.AddField(
            model_name='sending',
            name='kind',
            field=models.CharField(default='invoice', max_length=30, verbose_name='kind of document'),
        ),
        migrations.AddField(
            model_name='sending',
            name='document_id',
            field=models.PositiveBigIntegerField(null=True),
        ),
        migrations.AlterField(
            model_name='sending',
            name='invoice',
            field=models.ForeignKey(null=True, on_delete=models.deletion.PROTECT, related_name='sendings', to='billing.invoice'),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AlterField(
            model_name='sending',
            name='document_id',
            field=models.PositiveBigIntegerField(),
        ),
        migrations.RemoveField(
            model_name='documentbatch',
            name='run',
        ),
        migrations.RemoveField(
            model_name='sending',
            name='invoice',
        ),
        migrations.AddIndex(
            model_name='sending',
            index=models.Index(fields=['organisation', 'kind', 'document_id'], name='documents_s_organis_1b4e38_idx'),
        ),
        migrations.AddField(
            model_name='emailtemplate',
            name='kind',
            field=models.CharField(default='invoice', max_length=30, verbose_name='kind of document'),
        ),
        migrations.RemoveConstraint(
            model_name='emailtemplate',
            name='emailtemplate_one_per_language',
        ),
        migrations.AddConstraint(
            model_name='emailtemplate',
            constraint=models.UniqueConstraint(fields=('organisation', 'kind', 'language'), name='emailtemplate_one_per_kind_language'),
        ),
        migrations.AlterModelOptions(
            name='emailtemplate',
            options={'ordering': ['kind', 'language'], 'verbose_name': 'e-mail template', 'verbose_name_plural': 'e-mail templates'},
        ),
    ]
