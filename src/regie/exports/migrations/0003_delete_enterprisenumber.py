from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("exports", "0002_enterprise_numbers_to_persons")]

    operations = [migrations.DeleteModel(name="EnterpriseNumber")]
