"""The log of sendings exported with its filter (XLSX or CSV), as the list shows it.

A sending designates its document by kind and id; the document's number is read by its kind
(:attr:`regie.documents.kinds.DocumentKind.describe`) one chunk of rows at a time, so the
export stays streamed (one query per kind and chunk, never one per row).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from django.db.models import Value
from django.db.models.functions import Concat, Trim
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext_lazy

from regie.core.models import AuditLog
from regie.core.tenancy import scope
from regie.core.views import audit
from regie.documents.kinds import KINDS
from regie.documents.models import Channel, SendingStatus
from regie.exports.lists import (
    CHUNK,
    ListColumn,
    csv_response,
    export_query,
    wants_export,
    xlsx_response,
)


def _kind_label(key: str) -> str:
    kind = KINDS.get(key)
    return str(kind.label) if kind else key


def _local(moment):
    return timezone.localtime(moment)


SENDING_COLUMNS = (
    ListColumn(_lazy("Document"), "document_id"),
    ListColumn(_lazy("Kind of document"), "kind", display=_kind_label),
    ListColumn(_lazy("Person"), "person_name"),
    ListColumn(_lazy("Queued"), "created_at", display=_local),
    ListColumn(_lazy("Channel"), "channel", display=lambda v: str(Channel(v).label)),
    ListColumn(pgettext_lazy("e-mail recipient", "To"), "recipient"),
    ListColumn(_lazy("CC"), "cc"),
    ListColumn(_lazy("Status"), "status", display=lambda v: str(SendingStatus(v).label)),
    ListColumn(_lazy("Finished at"), "finished_at", display=_local),
    ListColumn(_lazy("Server's answer"), "answer", display=lambda v: _(v) if v else ""),
)


def sending_rows(sendings, organisation) -> Iterator[tuple]:
    """Yield the sendings' rows, each document's number in place of its id.

    A CSV is streamed after the view returned, out of the request's scope: the numbers are
    read in the organisation's scope again (never around a ``yield``)."""
    fields = [column.field for column in SENDING_COLUMNS]
    rows = sendings.annotate(
        person_name=Trim(Concat("person__last_name", Value(" "), "person__first_name"))
    ).values_list(*fields)
    stream = rows.iterator(chunk_size=CHUNK)
    while chunk := list(islice(stream, CHUNK)):
        by_kind: dict[str, list[int]] = {}
        for row in chunk:
            by_kind.setdefault(row[1], []).append(row[0])
        with scope(organisation):
            numbers = {
                (key, document): found[0]
                for key, ids in by_kind.items()
                if key in KINDS
                for document, found in KINDS[key].describe(ids).items()
            }
        for row in chunk:
            yield (numbers.get((row[1], row[0]), "—"), *row[1:])


class SendingExportMixin:
    """Answer ``?export=xlsx`` or ``?export=csv`` on the log of sendings with its filter."""

    def get(self, request, *args, **kwargs):
        if not wants_export(request):
            return super().get(request, *args, **kwargs)
        kind = request.GET["export"]
        rows = sending_rows(self.get_queryset(), request.organisation)
        audit(request, action=AuditLog.Action.EXPORT, obj=request.organisation,
              detail=f"envois.{kind}")  # fmt: skip
        if kind == "csv":
            return csv_response("envois", SENDING_COLUMNS, rows)
        return xlsx_response("envois", str(_("Sendings")), SENDING_COLUMNS, rows)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["export_query"] = export_query(self.request)
        return context
