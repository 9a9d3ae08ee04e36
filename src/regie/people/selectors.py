"""Read queries of the registry (always inside the active organisation's scope)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from regie.core.badinput import id_param
from regie.people.models import Child, ChildPerson, Person


def children_with_flags() -> QuerySet[Child]:
    """Return children annotated with whether they have a billable and an attestable person."""
    # The outer query is scoped; a child's links always share its organisation (checked on
    # save), so the correlated subquery filters on the child only and can use its index
    # (with the organisation filter, SQLite scanned every link of the organisation per child).
    links = ChildPerson.unscoped_objects.filter(child=OuterRef("pk"))
    return Child.objects.select_related("site", "school_class", "tariff_category").annotate(
        has_billable=Exists(links.filter(billable=True)),
        has_attestable=Exists(links.filter(attestable=True)),
    )


def search_children(params: dict) -> QuerySet[Child]:
    """Return the children matching the list screen's search and filters."""
    qs = children_with_flags()
    text = (params.get("q") or "").strip()
    for word in text.split():
        qs = qs.filter(
            Q(last_name__icontains=word)
            | Q(first_name__icontains=word)
            | Q(school_class__name__icontains=word)
            | Q(links__person__last_name__icontains=word)
        )
    if text:
        qs = qs.distinct()
    filters = {
        "site": "site_id",
        "level": "level",
        "category": "tariff_category_id",
    }
    for param, field in filters.items():
        value = params.get(param)
        if value == "none":
            qs = qs.filter(**({field: ""} if field == "level" else {f"{field}__isnull": True}))
        elif value:
            qs = qs.filter(**{field: value if field == "level" else id_param(value, param)})
    status = params.get("status", "active")
    if status == "active":
        qs = qs.filter(is_active=True)
    elif status == "inactive":
        qs = qs.filter(is_active=False)
    problem = params.get("problem")
    if problem == "no_attestable":
        qs = qs.filter(has_attestable=False)
    elif problem == "no_billable":
        qs = qs.filter(has_billable=False)
    return qs


def search_persons(params: dict) -> QuerySet[Person]:
    """Return the persons matching the list screen's search and filters."""
    qs = Person.objects.annotate(children_count=Count("links", distinct=True))
    for word in (params.get("q") or "").split():
        qs = qs.filter(
            Q(last_name__icontains=word)
            | Q(first_name__icontains=word)
            | Q(email__icontains=word)
            | Q(city__icontains=word)
            | Q(postcode__startswith=word)
        )
    for param in ("language", "delivery"):
        if params.get(param):
            qs = qs.filter(**{param: params[param]})
    status = params.get("status", "active")
    if status == "active":
        qs = qs.filter(is_active=True)
    elif status == "inactive":
        qs = qs.filter(is_active=False)
    return qs


def with_children(persons: QuerySet[Person]) -> QuerySet[Person]:
    """Prefetch each person's children as ``child_links``: what tells two namesakes apart."""
    links = ChildPerson.objects.select_related("child").order_by("child__birth_date", "pk")
    return persons.prefetch_related(Prefetch("links", queryset=links, to_attr="child_links"))


def persons_to_pick(query: str, limit: int = 20) -> list[Person]:
    """Return the active persons matching ``query`` (empty: none) with their children."""
    if not query.strip():
        return []
    found = search_persons({"q": query}).order_by("last_name", "first_name", "pk")
    return list(with_children(found)[:limit])
