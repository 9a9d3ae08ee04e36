"""The French, Dutch and German catalogues are complete, sound and compiled.

``make messages`` extracts new strings; these tests fail until every one of them is translated
(no empty, no fuzzy entry) and ``regie compilemessages`` has been run again, so that no user
ever sees English on a French, Dutch or German screen.
"""

from __future__ import annotations

import ast
import gettext as stdlib_gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation

LOCALE_DIR = Path(__file__).resolve().parents[2] / "src" / "regie" / "locale"
LANGUAGES = ["fr", "nl", "de"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%%")


@dataclass
class Entry:
    """One message of a .po file."""

    line: int
    flags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    @property
    def translations(self) -> list[str]:
        return [v for k, v in self.fields.items() if k.startswith("msgstr")]

    @property
    def key(self) -> str:
        """The key under which the .mo stores it: context, EOT, msgid."""
        if "msgctxt" in self.fields:
            return self.fields["msgctxt"] + "\x04" + self.msgid
        return self.msgid


def parse_po(path: Path) -> list[Entry]:
    """Read a .po file (obsolete ``#~`` entries are skipped)."""
    entries: list[Entry] = []
    current: Entry | None = None
    key = ""
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                current = None
            continue
        if current is None:
            current = Entry(line=number)
            entries.append(current)
        if line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current.fields[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            current.fields[key] = ast.literal_eval(value)
    return entries


def po_path(language: str, catalogue: Path = LOCALE_DIR) -> Path:
    return catalogue / language / "LC_MESSAGES" / "django.po"


# The central catalogue, and those of the apps that keep their own (src/regie/<app>/locale).
CATALOGUES = [LOCALE_DIR, *sorted(LOCALE_DIR.parent.glob("*/locale"))]
EVERY_CATALOGUE = pytest.mark.parametrize(
    ("catalogue", "language"),
    [(c, language) for c in CATALOGUES for language in LANGUAGES],
    ids=[f"{c.parent.name}-{language}" for c in CATALOGUES for language in LANGUAGES],
)


@EVERY_CATALOGUE
def test_every_message_is_translated_and_not_fuzzy(catalogue, language):
    entries = parse_po(po_path(language, catalogue))
    messages = [e for e in entries if e.msgid]
    assert messages, f"{language}: the catalogue is empty; run `make messages`"
    untranslated = [e.msgid for e in messages if not all(e.translations)]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not untranslated, f"{language}: {len(untranslated)} untranslated: {untranslated}"
    assert not fuzzy, f"{language}: {len(fuzzy)} fuzzy (check, then drop the flag): {fuzzy}"


@EVERY_CATALOGUE
def test_translations_keep_the_placeholders(catalogue, language):
    """%(name)s placeholders are filled by the code: a translation must keep each of them."""
    wrong = []
    for entry in parse_po(po_path(language, catalogue)):
        if "python-format" not in entry.flags:
            continue
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        for text in entry.translations:
            if sorted(PLACEHOLDER.findall(text)) != expected:
                wrong.append((entry.msgid, text))
    assert not wrong, f"{language}: placeholders differ: {wrong}"


@EVERY_CATALOGUE
def test_compiled_catalogue_matches_the_po_file(catalogue, language):
    """The committed .mo holds exactly the .po's translations: a forgotten compile fails.

    The contents are compared rather than the modification times, which a git checkout or
    clone does not preserve (it may write the .mo a moment before the .po).
    """
    po = po_path(language, catalogue)
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing; run `regie compilemessages`"
    with mo.open("rb") as handle:
        catalog = stdlib_gettext.GNUTranslations(handle)._catalog
    expected: dict[object, str] = {}
    for entry in parse_po(po):
        if not entry.msgid or "fuzzy" in entry.flags or not all(entry.translations):
            continue
        if "msgid_plural" in entry.fields:
            for name, text in entry.fields.items():
                if name.startswith("msgstr["):
                    expected[(entry.key, int(name[7:-1]))] = text
        else:
            expected[entry.key] = entry.fields["msgstr"]
    compiled = {k: v for k, v in catalog.items() if k != ""}
    stale = {k for k in expected.keys() | compiled.keys() if expected.get(k) != compiled.get(k)}
    assert not stale, (
        f"{mo.name} for {language} is out of date ({len(stale)} messages differ); "
        "run `cd src/regie && ../../.venv/bin/regie compilemessages`"
    )


@pytest.mark.parametrize(
    ("language", "children", "message"),
    [
        ("fr", "Enfants", "Modifications enregistrées."),
        ("nl", "Kinderen", "Wijzigingen opgeslagen."),
        ("de", "Kinder", "Änderungen gespeichert."),
    ],
)
def test_django_serves_the_catalogue(language, children, message):
    with translation.override(language):
        assert translation.gettext("Children") == children
        assert translation.gettext("Changes saved.") == message


def test_french_domain_message_with_placeholders():
    """A message marked with gettext_noop in a pure module is translated when shown."""
    template = (
        "Missing price for %(activity)s: position %(position)s, tariff category "
        "%(category)s, date %(date)s."
    )
    values = {
        "activity": "Garderie du soir",
        "position": 2,
        "category": "CPAS",
        "date": "01/10/2025",
    }
    with translation.override("fr"):
        text = translation.gettext(template) % values
    assert text == (
        "Prix manquant pour Garderie du soir : position 2, catégorie tarifaire CPAS, "
        "date 01/10/2025."
    )
