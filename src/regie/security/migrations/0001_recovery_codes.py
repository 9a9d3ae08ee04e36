"""Recovery codes kept as digests: the codes django-otp kept in clear are hashed and removed.

Each user keeps the codes they have (the same eight characters still work); only their
digests remain (:mod:`regie.security.recovery`). There is no way back: going back removes
the digests, and the users make new codes on their page "Second factor".
"""

import secrets

import django.db.models.deletion
from django.db import migrations, models

from regie.security.recovery import digest


def hash_clear_codes(apps, schema_editor):
    """Replace every clear recovery code (django-otp's StaticToken) by its digest."""
    StaticDevice = apps.get_model("otp_static", "StaticDevice")
    StaticToken = apps.get_model("otp_static", "StaticToken")
    RecoveryCode = apps.get_model("security", "RecoveryCode")
    for device in StaticDevice.objects.all().iterator():
        salt = secrets.token_hex(12)
        tokens = StaticToken.objects.filter(device=device)
        RecoveryCode.objects.bulk_create(
            RecoveryCode(device=device, digest=digest(token.lower(), salt))
            for token in tokens.values_list("token", flat=True)
        )
        tokens.delete()


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.CreateModel(
            name="RecoveryCode",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("digest", models.CharField(db_index=True, max_length=128, verbose_name="digest")),
                (
                    "device",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="recovery_codes",
                        to="otp_static.staticdevice",
                    ),
                ),
            ],
            options={
                "verbose_name": "recovery code",
                "verbose_name_plural": "recovery codes",
            },
        ),
        migrations.RunPython(hash_clear_codes, migrations.RunPython.noop),
    ]
