"""Move the enterprise numbers exports kept on its own (``EnterpriseNumber``) to the person.

``people.Person.enterprise_number`` (checked digits, issue 16) is the one place that holds a
debtor's enterprise number now. Each row is copied to its person when the person has none;
when the person already has a different number, the person's is kept and the difference is
logged (``regie.exports`` logger, a warning naming the person and both numbers); a number
whose check digits fail is not copied and is logged too. The next migration removes the model.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import migrations

from regie.core.validators import clean_enterprise_number

log = logging.getLogger("regie.exports")


def numbers_to_persons(apps, schema_editor):
    EnterpriseNumber = apps.get_model("exports", "EnterpriseNumber")
    Person = apps.get_model("people", "Person")
    rows = EnterpriseNumber._base_manager.select_related("person").order_by("pk")
    for row in rows.iterator(chunk_size=500):
        person = row.person
        try:
            number = clean_enterprise_number(row.number)
        except ValidationError:
            log.warning(
                "person %s: enterprise number %r of the export settings not copied (check "
                "digits fail)",
                person.pk,
                row.number,
            )
            continue
        if not person.enterprise_number:
            Person._base_manager.filter(pk=person.pk).update(enterprise_number=number)
        elif person.enterprise_number != number:
            log.warning(
                "person %s keeps enterprise number %s; the export settings had %s",
                person.pk,
                person.enterprise_number,
                number,
            )


def persons_to_numbers(apps, schema_editor):
    """Going back: the companies' numbers as the export's rows again."""
    EnterpriseNumber = apps.get_model("exports", "EnterpriseNumber")
    Person = apps.get_model("people", "Person")
    companies = Person._base_manager.exclude(enterprise_number="").values_list(
        "pk", "organisation_id", "enterprise_number"
    )
    EnterpriseNumber._base_manager.bulk_create(
        EnterpriseNumber(person_id=pk, organisation_id=org, number=number)
        for pk, org, number in companies.iterator(chunk_size=500)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("exports", "0001_initial"),
        ("people", "0003_person_enterprise_number"),
    ]

    operations = [migrations.RunPython(numbers_to_persons, persons_to_numbers)]
