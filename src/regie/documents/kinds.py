"""Kinds of documents: what the documents app needs of an app whose records are printed and sent.

The documents app makes batches (ZIP, one PDF, the post), e-mails with the PDF attached, the log
of sendings with its retries, for any KIND of document. It knows invoices; an app above it
(reminders, payment plans, enforcement orders, permits...) registers a :class:`DocumentKind` in
its ``ready()``, the way it registers a payment route (:mod:`regie.payments.routes`), and the
documents app never imports it. See ``docs/documents.md`` ("adding a document kind").

A kind's documents are designated by ids (its records' primary keys). Every callable runs inside
the organisation's scope and reads through scoped managers, so an id of another organisation
gives nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from regie.core.errors import DomainError, gettext_noop


class Recipient(NamedTuple):
    """Who receives a document and how: ``channel`` is ``email`` or ``post``."""

    person_id: int
    channel: str
    email: str
    language: str


@dataclass(frozen=True)
class DocumentKind:
    """What the documents app needs of a kind of document.

    ``data`` returns the documents of ids, in their order, as plain dictionaries for the Typst
    template (``template``, a file of ``documents/typst`` or of the app, which defines the
    function named like the file, ``reminder(data)`` for ``reminder.typ``). Each dictionary has at
    least ``key`` (the id), ``file_name``, ``language``, ``number``, ``recipient`` (``name``,
    ``address`` lines, ``postcode``) and, to be paid, ``payment`` (see
    :func:`regie.documents.rendering.epc_payload`); the e-mail's placeholders read ``total``,
    ``balance``, ``due_date`` and ``communication`` when present.
    """

    key: str
    #: What a batch or a sending names, in the plural: "invoices", "reminders".
    label: Any
    template: str
    data: Callable[..., list[dict[str, Any]]]
    #: The ids among ``ids`` (or those of the group ``group``) that can be printed, by number:
    #: a query of ids (``values_list("pk", flat=True)``), also used as a subquery.
    select: Callable[..., Any]
    #: Who receives each document and by which channel.
    recipients: Callable[[list[int]], dict[int, Recipient]]
    #: The number and page (URL, may be "") of each document, for the log of sendings.
    describe: Callable[[list[int]], dict[int, tuple[str, str]]]
    #: A group's label and page (a billing run's, a reminder run's).
    group_describe: Callable[[int], tuple[str, str]]
    #: The stem of a batch's file name: "factures", "rappels".
    file_stem: str
    #: The e-mail of an organisation that wrote none (translatable, ``gettext_noop``).
    email_subject: str
    email_body: str
    #: The ids designated by numbers typed by a clerk (refuse unknown ones), if the kind can.
    numbered: Callable[[str], list[int]] | None = None
    #: Take the administrative data of these documents again (if the kind freezes it).
    refresh: Callable[[list[int]], int] | None = None
    #: Where the template lies (the documents app's ``typst`` folder when none).
    folder: Any = field(default=None)


KINDS: dict[str, DocumentKind] = {}

#: What gives a document to pay its online payment link: ``link(reference, language)``
#: returns the link and its words ("Pay online:") or None (registered by the fees app when
#: it starts; the link is offered only when the organisation has online payment).
PAY_LINKS: list[Callable[[str, str], tuple[str, str] | None]] = []


def pay_links_add(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give each document with something to pay its online payment link (``pay_online``:
    ``url`` and ``label``), when one is offered; return the documents. A document whose kind
    gave it a link of its own (a service file's payment page) keeps it."""
    for document in documents:
        if "pay_online" in document:
            continue
        payment = document.get("payment")
        if not payment or payment.get("amount_cents", 0) <= 0 or not payment.get("reference"):
            continue
        for link in PAY_LINKS:
            found = link(payment["reference"], document.get("language", "fr"))
            if found:
                document["pay_online"] = {"url": found[0], "label": found[1]}
                break
    return documents


def _with_pay_links(data: Callable[..., list[dict[str, Any]]]):
    def documents(*args, **kwargs) -> list[dict[str, Any]]:
        return pay_links_add(data(*args, **kwargs))

    return documents


def no_group(group_id: int) -> tuple[str, str]:
    """The ``group_describe`` of a kind whose documents belong to no group (plans, requests)."""
    return "—", ""


def kind_register(kind: DocumentKind) -> None:
    """Make a kind of document printable and sendable (called by an app's ``ready()``).

    Its documents carry the online payment link when one is offered (:data:`PAY_LINKS`).
    """
    KINDS[kind.key] = replace(kind, data=_with_pay_links(kind.data))


def kind_get(key: str) -> DocumentKind:
    """Return a registered kind; refuse an unknown one with a clear message."""
    try:
        return KINDS[key]
    except KeyError:
        raise DomainError(
            "documents.unknown_kind",
            gettext_noop("Regie cannot make documents of kind “%(kind)s”."),
            kind=key,
        ) from None


def describe_sendings(sendings) -> None:
    """Give each sending its document's ``number`` and ``url`` (one query per kind)."""
    by_kind: dict[str, list] = {}
    for sending in sendings:
        by_kind.setdefault(sending.kind, []).append(sending)
    for key, rows in by_kind.items():
        kind = KINDS.get(key)
        found = kind.describe([s.document_id for s in rows]) if kind else {}
        for sending in rows:
            sending.number, sending.url = found.get(sending.document_id, ("—", ""))
