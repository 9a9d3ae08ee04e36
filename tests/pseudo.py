"""The pseudo-locale: every translated string decorated, to find text nobody translated.

In the pseudo-locale ``fr-xx`` each message found in the French catalogues (Regie's and
Django's) is shown as its French translation between ``⟦`` and ``⟧``; a message that is not
in the catalogues (never marked, or marked but never extracted or translated) is shown as it
is, undecorated. :func:`untranslated` then reads a page the way a person does (visible text,
``title``, ``placeholder``, ``aria-label``, ``alt``, button values), removes the decorated
parts and the data (numbers, dates, amounts, and every word stored in the database by the
fixtures) and returns what is left: the words a clerk would see in English or untranslated.

Use it on your own pages (see README, "Translations")::

    from tests.pseudo import pseudo_locale, untranslated

    def test_my_page_is_translated(pseudo_locale, client, ...):
        client.cookies["django_language"] = pseudo_locale
        html = client.get(url).content.decode()
        assert not untranslated(html, data_words())
"""

from __future__ import annotations

import gettext as stdlib_gettext
import re
from collections.abc import Iterable

import lxml.html
import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.translation import trans_real

PSEUDO = "fr-xx"
OPEN, CLOSE = "⟦", "⟧"
DECORATED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
#: A part of a decorated message cut by the template ("⟦oui,non⟧"|yesno gives "⟦oui").
CUT = re.compile(f"{OPEN}.*$|^.*{CLOSE}")
#: Numbers of documents (FACT/2026/00094) and codes of languages (FR, NL, DE): data.
DOCUMENT_NUMBER = re.compile(r"\b[A-Z]{2,6}/\d{4}/\d+\b")
WORD = re.compile(r"[^\W\d_]{2,}")
#: Words that are the same in every language and never translated: the product's name and
#: the banking codes printed beside their values (IBAN BE71…, BIC GKCCBEBB).
NAMES = {"Regie", "IBAN", "BIC"}
#: Free-text fields written by the code (an SMTP answer, a default account name), not data.
MACHINE_TEXT = {"answer", "error", "traceback", "result", "parameters", "snapshot"}
MACHINE_MODELS = {"ledger.Account": {"name"}, "sessions.Session": {"session_data"}}
VISIBLE_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
INVISIBLE = {"script", "style", "template"}


class PseudoTranslation(stdlib_gettext.NullTranslations):
    """French with every catalogue message decorated; unknown messages left as they are."""

    def __init__(self, base: trans_real.DjangoTranslation) -> None:
        super().__init__()
        self._base = base
        self._catalog = base._catalog
        self.plural = base.plural

    def gettext(self, message: str) -> str:
        if message not in self._catalog:
            return message
        if message == "yes,no,maybe":  # Django's yesno filter cuts it in three
            return ",".join(map(decorate, self._base.gettext(message).split(",")))
        return decorate(self._base.gettext(message))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if (singular, 0) not in self._catalog:
            return singular if n == 1 else plural
        return decorate(self._base.ngettext(singular, plural, n))

    def language(self) -> str:
        return PSEUDO

    def to_language(self) -> str:
        return PSEUDO


def decorate(text: str) -> str:
    return f"{OPEN}{text}{CLOSE}"


@pytest.fixture
def pseudo_locale(settings):
    """Register the pseudo-locale for the test and return its code (for the language cookie)."""
    settings.LANGUAGES = [*settings.LANGUAGES, (PSEUDO, "Pseudo")]
    trans_real._translations[PSEUDO] = PseudoTranslation(trans_real.translation("fr"))
    yield PSEUDO
    trans_real._translations.pop(PSEUDO, None)


def visible_texts(html: str) -> Iterable[str]:
    """Yield the texts of a page that a person sees or hears (a screen reader's too)."""
    root = lxml.html.document_fromstring(html)
    for element in root.iter():
        parent = element.getparent()
        if element.tail and (parent is None or parent.tag not in INVISIBLE):
            yield element.tail  # the text after an element (or a comment) is its parent's
        if not isinstance(element.tag, str) or element.tag in INVISIBLE:
            continue
        yield element.text or ""
        for name in VISIBLE_ATTRIBUTES:
            if name == "alt" and "/admin/img/" in element.get("src", ""):
                continue  # Django's admin icons: "True", "False", "Search", hard-coded in Django
            yield element.get(name, "")
        if element.tag == "input" and element.get("type") in {"submit", "button", "reset"}:
            yield element.get("value", "")


def leftover(text: str, data: set[str]) -> list[str]:
    """Return the words of ``text`` that are neither decorated nor data."""
    previous = None
    while previous != text:  # innermost first: a translation may hold another one
        previous, text = text, DECORATED.sub(" ", text)
    text = DOCUMENT_NUMBER.sub(" ", CUT.sub(" ", text))
    return [word for word in WORD.findall(text) if word not in data and word not in NAMES]


def untranslated(html: str, data: set[str]) -> list[str]:
    """Return the visible texts of a page that hold undecorated, non-data words."""
    found = []
    for text in visible_texts(html):
        if leftover(text, data):
            found.append(" ".join(text.split()))
    return found


def data_words() -> set[str]:
    """Return every word stored by the fixtures in a free-text field: names, places, labels.

    Fields with choices are left out (their stored value is a code; the screen must show the
    translated label), and so is machine text (an SMTP server's answer, a job's error).
    """
    from regie.core.tenancy import ALL, scope

    codes = " ".join(code.upper() for code, _name in settings.LANGUAGES)
    words = set(WORD.findall(codes))  # the language switcher
    with scope(ALL):
        for model in apps.get_models():
            fields = [
                f.attname
                for f in model._meta.concrete_fields
                if isinstance(f, models.CharField | models.TextField)
                and not f.choices
                and f.name not in MACHINE_TEXT
                and f.name not in MACHINE_MODELS.get(model._meta.label, ())
                and "password" not in f.name
            ]
            if not fields:
                continue
            manager = getattr(model, "unscoped_objects", model._default_manager)
            for row in manager.values_list(*fields):
                for value in row:
                    words.update(WORD.findall(value or ""))
    return words
