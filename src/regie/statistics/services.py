"""Writers of statistics: saved pivot views."""

from __future__ import annotations

from django.db import transaction

from regie.core.errors import DomainError, gettext_noop
from regie.statistics.models import SavedView
from regie.statistics.pivot import Query


@transaction.atomic
def saved_view_save(*, owner, name: str, query: Query, shared: bool = False) -> SavedView:
    """Save a pivot's question under a name (the owner's view of that name is replaced)."""
    view = SavedView.objects.filter(owner=owner, name=name).first() or SavedView(
        owner=owner, name=name
    )
    view.query, view.shared = query.as_dict(), shared
    view.full_clean()
    view.save()
    return view


@transaction.atomic
def saved_view_delete(*, view: SavedView, user) -> None:
    """Delete a saved view; only its owner may."""
    if view.owner_id != user.pk:
        raise DomainError(
            "statistics.not_owner",
            gettext_noop("Only the person who saved the view “%(name)s” may delete it."),
            name=view.name,
        )
    view.delete()
