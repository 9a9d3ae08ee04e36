"""Organisation scoping: every business query runs inside exactly one organisation.

The active organisation lives in a context variable set by :class:`scope` (the middleware
sets it for each request; jobs and commands set it explicitly). The default manager of every
business model (:class:`ScopedManager`) filters on it, and a query evaluated with no scope
active raises :class:`ScopeError` instead of silently reading every organisation's rows.

A queryset built while no scope is active (a ``ModelForm`` field declared at import time, for
instance) is *unbound*: it binds to the organisation active when it is next cloned or
evaluated, and refuses to run if there is none.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from regie.core.models import Organisation

ALL = object()  # every organisation: system jobs and platform maintenance only
_UNSET = object()
_current: ContextVar[Any] = ContextVar("regie_organisation", default=_UNSET)


class ScopeError(RuntimeError):
    """A business query ran with no organisation scope active."""


@contextmanager
def scope(organisation: Organisation | object):
    """Run the block inside ``organisation`` (or :data:`ALL` for cross-organisation jobs)."""
    if organisation is None:
        raise ScopeError("scope() needs an organisation or ALL")
    token = _current.set(organisation)
    try:
        yield organisation
    finally:
        _current.reset(token)


@contextmanager
def unscoped():
    """Run the block with no organisation: any business query in it raises ScopeError."""
    token = _current.set(_UNSET)
    try:
        yield
    finally:
        _current.reset(token)


def current_organisation() -> Organisation:
    """Return the active organisation, or raise ScopeError."""
    org = _current.get()
    if org is _UNSET or org is ALL:
        raise ScopeError("no single organisation is active")
    return org


def active_scope() -> Any:
    """Return the active organisation, ALL, or None when no scope is active."""
    org = _current.get()
    return None if org is _UNSET else org


class ScopedQuerySet(models.QuerySet):
    """A queryset filtered on the active organisation, bound lazily when built unscoped.

    A queryset remembers the organisation it is bound to. Cloned or evaluated while another
    organisation is active (a form field's queryset built at import time during some request,
    reused in a request of another organisation), it is bound again to the active one: its
    organisation filter is replaced, never added to, so it can neither leak nor come back empty.
    """

    _unbound = False
    _bound_org: Any = None

    def _bind(self) -> ScopedQuerySet:
        org = _current.get()
        if org is _UNSET:
            return self
        if self._unbound or self._bound_org is ALL:
            self._unbound = False
            self._bound_org = ALL if org is ALL else org.pk
            if org is not ALL:
                self.query.add_q(models.Q(organisation_id=org.pk))
        elif org is not ALL and self._bound_org != org.pk:
            self._rebind(org.pk)
        return self

    def _rebind(self, org_pk: int) -> None:
        if self._result_cache is not None:
            raise ScopeError(
                f"{self.model.__name__} results fetched in one organisation reused in another"
            )
        field = self.model._meta.get_field("organisation")
        where, found = _replace_organisation(self.query.where, field, org_pk)
        if not found:
            raise ScopeError(f"cannot move a {self.model.__name__} query to another organisation")
        self.query.where = where
        self._bound_org = org_pk

    def _require_scope(self) -> None:
        if self._unbound and self._bind()._unbound:
            raise ScopeError(
                f"{self.model.__name__} queried outside an organisation scope; "
                "wrap the work in regie.core.tenancy.scope(organisation)"
            )
        if not self._unbound:
            self._bind()

    def _clone(self):
        clone = super()._clone()
        clone._unbound = self._unbound
        clone._bound_org = self._bound_org
        return clone._bind()

    def _fetch_all(self):
        self._require_scope()
        super()._fetch_all()

    def count(self):
        self._require_scope()
        return super().count()

    def exists(self):
        self._require_scope()
        return super().exists()

    def aggregate(self, *args, **kwargs):
        self._require_scope()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs):
        self._require_scope()
        return super().update(**kwargs)

    def _update(self, values):
        self._require_scope()
        return super()._update(values)

    def delete(self):
        self._require_scope()
        return super().delete()

    def iterator(self, chunk_size=None):
        self._require_scope()
        return super().iterator(chunk_size=chunk_size)

    def explain(self, **kwargs):
        self._require_scope()
        return super().explain(**kwargs)

    def resolve_expression(self, *args, **kwargs):
        # Used as a subquery: never embed an unscoped query in another one.
        self._require_scope()
        return super().resolve_expression(*args, **kwargs)


def _replace_organisation(node, field, org_pk: int):
    """Return a copy of a WHERE tree whose top-level organisation filter names ``org_pk``."""
    from django.db.models.lookups import Exact
    from django.db.models.sql.where import AND, WhereNode

    children, found = [], False
    for child in node.children:
        if not found and isinstance(child, WhereNode):
            if child.connector == AND and not child.negated:
                child, found = _replace_organisation(child, field, org_pk)
        elif not found and isinstance(child, Exact) and getattr(child.lhs, "target", None) is field:
            child, found = Exact(child.lhs, org_pk), True
        children.append(child)
    copy = node.copy() if hasattr(node, "copy") else node.clone()
    copy.children = children
    return copy, found


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    """Default manager of business models: only the active organisation's rows."""

    def get_queryset(self):
        qs = super().get_queryset()
        qs._unbound = True
        return qs._bind()
