"""The demo commune: deterministic, idempotent, realistic."""

import datetime as dt

from django.core.management import call_command

from regie.core.models import Organisation, User
from regie.core.tenancy import scope
from regie.demo.commune import DEMO_NAME, build_demo
from regie.people.models import Child, ChildPerson, Person


def test_demo_builds_a_commune_with_families_and_is_idempotent(db, capsys):
    call_command("demo", "--children", "60")
    call_command("demo", "--children", "60")
    out = capsys.readouterr().out
    assert "already loaded" in out and "regie-demo" in out
    commune = Organisation.objects.get(name=DEMO_NAME)
    assert User.objects.get(username="admin").check_password("regie-demo")
    with scope(commune):
        assert Child.objects.count() >= 60
        assert Child.objects.values("site").distinct().count() == 3
        single = [p for p in Person.objects.all() if p.links.values("child").count()]
        assert single
        without = Child.objects.exclude(links__attestable=True).count()
        assert 0 <= without < Child.objects.count()
        siblings = ChildPerson.objects.values("person").distinct().count()
        assert siblings < ChildPerson.objects.count()
        for person in Person.objects.all()[:50]:
            person.full_clean()  # the demo data passes our own validation


def _children_of_demo():
    org = Organisation.objects.get(name=DEMO_NAME)
    with scope(org):
        return list(
            Child.objects.order_by("last_name", "first_name", "birth_date").values_list(
                "first_name", "last_name", "birth_date", "national_number", "level"
            )
        )


def test_demo_is_deterministic(db):
    """The same seed and day give the same commune, after a reset too."""
    build_demo(children=40, seed=7, today=dt.date.today())
    first = _children_of_demo()
    call_command("demo", "--reset", "--children", "40", "--seed", "7")
    assert _children_of_demo() == first
    call_command("demo", "--reset", "--children", "40", "--seed", "8")
    assert _children_of_demo() != first
