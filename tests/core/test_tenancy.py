"""The scoping mechanism: no business query runs outside one organisation."""

import pytest

from regie.core.tenancy import ALL, ScopeError, scope
from regie.people.models import Child, ChildPerson, Person, SchoolSite, TariffCategory


def _site(org, name="École"):
    with scope(org):
        return SchoolSite.objects.create(name=name)


def test_query_without_scope_raises(org_a):
    """Given no active organisation, when a business model is queried, then ScopeError."""
    _site(org_a)
    with pytest.raises(ScopeError):
        list(SchoolSite.objects.all())
    with pytest.raises(ScopeError):
        SchoolSite.objects.count()
    with pytest.raises(ScopeError):
        SchoolSite.objects.filter(name="École").update(name="X")
    with pytest.raises(ScopeError):
        SchoolSite.objects.all().delete()


def test_scoped_query_sees_only_its_organisation(org_a, org_b):
    """Each organisation sees its own rows only; ALL (platform jobs) sees both."""
    _site(org_a, "A1")
    _site(org_b, "B1")
    with scope(org_a):
        assert [s.name for s in SchoolSite.objects.all()] == ["A1"]
        assert not SchoolSite.objects.filter(name="B1").exists()
    with scope(org_b):
        assert SchoolSite.objects.get().name == "B1"
    with scope(ALL):
        assert SchoolSite.objects.count() == 2


def test_queryset_built_unscoped_binds_when_evaluated_in_a_scope(org_a, org_b):
    """A queryset declared at import time (a form field) binds to the scope active at use."""
    _site(org_a, "A1")
    _site(org_b, "B1")
    declared = SchoolSite.objects.filter(name__startswith="")
    with scope(org_b):
        assert [s.name for s in declared.all()] == ["B1"]
    with pytest.raises(ScopeError):
        list(declared)


def test_unscoped_queryset_cannot_hide_in_a_subquery(org_a):
    """An unscoped queryset used as a subquery refuses to run."""
    _site(org_a)
    unbound = SchoolSite.objects.values("pk")
    with pytest.raises(ScopeError):
        list(SchoolSite.unscoped_objects.filter(pk__in=unbound))


def test_save_fills_organisation_from_scope_and_refuses_another(org_a, org_b):
    """A new record takes the active organisation; saving B's record inside A is refused."""
    site_b = _site(org_b)
    with scope(org_a):
        cat = TariffCategory.objects.create(name="CPAS", code="cpas")
        assert cat.organisation_id == org_a.pk
        site_b.name = "stolen"
        with pytest.raises(ScopeError):
            site_b.save()
    with pytest.raises(ScopeError):
        TariffCategory(name="none", code="none").save()


def test_link_to_another_organisations_record_is_refused(org_a, org_b):
    """A foreign key may only point inside the record's own organisation."""
    with scope(org_b):
        person_b = Person.objects.create(last_name="Dupont", delivery="email", email="d@x.be")
    with scope(org_a):
        child = Child.objects.create(last_name="Lambert", first_name="Léa", birth_date="2018-03-02")
        with pytest.raises(ScopeError):
            ChildPerson.objects.create(child=child, person=person_b, billable=True)
        site_b_id = _site(org_b).pk
        child.site_id = site_b_id
        with pytest.raises(ScopeError):
            child.save()


def test_queryset_built_in_one_organisation_is_rebound_in_another(org_a, org_b):
    """A queryset made during A's request (a form field at import) shows B's rows in B."""
    with scope(org_a):
        SchoolSite.objects.create(name="Site A")
        built_in_a = SchoolSite.objects.order_by("name")
    with scope(org_b):
        SchoolSite.objects.create(name="Site B")
        assert [s.name for s in built_in_a.all()] == ["Site B"]
        assert built_in_a.filter(name__startswith="Site").count() == 1
        assert SchoolSite.objects.filter(pk__in=built_in_a).get().name == "Site B"
    with scope(org_a):
        assert [s.name for s in built_in_a.all()] == ["Site A"]


def test_form_field_declared_in_one_organisation_offers_the_other_ones_choices(org_a, org_b):
    """ModelChoiceField querysets declared at class level never leak another organisation."""
    from django import forms

    with scope(org_a):
        site_a = SchoolSite.objects.create(name="Site A")

        class SiteForm(forms.Form):
            site = forms.ModelChoiceField(queryset=SchoolSite.objects.all())

    with scope(org_b):
        site_b = SchoolSite.objects.create(name="Site B")
        form = SiteForm(data={"site": site_a.pk})
        assert [c.pk for c in form.fields["site"].queryset] == [site_b.pk]
        assert not form.is_valid()
        assert SiteForm(data={"site": site_b.pk}).is_valid()


def test_results_fetched_in_one_organisation_are_not_reused_in_another(org_a, org_b):
    with scope(org_a):
        fetched = SchoolSite.objects.all()
        list(fetched)
    with scope(org_b), pytest.raises(ScopeError):
        fetched.count()
