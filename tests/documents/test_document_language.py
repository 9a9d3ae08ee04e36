"""The invoice document and the e-mail speak the reader's language: nothing escapes.

The document's wording lives in its Typst template (``labels``, one set per language, which
an organisation may restyle); the e-mail's in the catalogues. In a pseudo-language whose
labels are the French ones decorated (``⟦Facture⟧``), every word of the PDF must be decorated
or data; and the French, Dutch and German label sets must name the same things.
"""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from tests.documents.test_rendering import document
from tests.pseudo import WORD, decorate, leftover, pseudo_locale

from regie.documents.mail import default_template, fill
from regie.documents.rendering import DEFAULT_TEMPLATE, Renderer

__all__ = ["pseudo_locale"]  # the fixture, used by name

LANGUAGE_BLOCK = re.compile(r"^  (\w+): \(\n(.*?)^  \),$", re.MULTILINE | re.DOTALL)
LABEL = re.compile(r'^    (\w+): "((?:[^"\\]|\\.)*)",$', re.MULTILINE)


def labels(source: str) -> dict[str, dict[str, str]]:
    """Return the template's labels, per language."""
    return {lang: dict(LABEL.findall(body)) for lang, body in LANGUAGE_BLOCK.findall(source)}


def data_of(value) -> set[str]:
    """Return every word of a document's data (names, addresses, amounts)."""
    if isinstance(value, dict):
        return set().union(*map(data_of, value.values()))
    if isinstance(value, list):
        return set().union(set(), *map(data_of, value))
    return set(WORD.findall(str(value)))


def test_every_language_of_the_document_has_every_label():
    found = labels(DEFAULT_TEMPLATE.read_text(encoding="utf-8"))
    assert set(found) == {"fr", "nl", "de"}
    assert found["fr"].keys() == found["nl"].keys() == found["de"].keys()
    assert all(all(found[lang].values()) for lang in found)


def test_every_word_of_the_invoice_pdf_comes_from_its_labels_or_its_data(tmp_path):
    """A capped line, the period, the payment block and the detail page: all labelled."""
    source = DEFAULT_TEMPLATE.read_text(encoding="utf-8")
    french = labels(source)["fr"]
    pseudo = "".join(f'    {key}: "{decorate(text)}",\n' for key, text in french.items())
    template = tmp_path / "invoice.typ"
    template.write_text(
        source.replace("\n)\n#import", f"\n  xx: (\n{pseudo}  ),\n)\n#import", 1),
        encoding="utf-8",
    )
    shared = DEFAULT_TEMPLATE.parent / "letter.typ"
    (tmp_path / "letter.typ").write_text(shared.read_text(encoding="utf-8"), encoding="utf-8")
    capped = {"child": "Léa Dupont", "activity": "Accueil du soir", "quantity": "11"}
    capped |= {"unit": "0,55 €", "amount": "5,00 €", "full": "6,05 €"}
    data = document(
        language="xx",
        period="01/10/2025 – 31/10/2025",
        summary=[capped],
        detail=[{**capped, "date": "01/10/2025"}],
    )
    reader = PdfReader(io.BytesIO(Renderer(template).render(data)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "⟦plafonné à⟧" in text and "⟦Période facturée⟧" in text
    words = data_of(data)
    assert [line for line in text.splitlines() if leftover(line, words)] == []


def test_the_default_e_mail_is_translated_whole(pseudo_locale):
    subject, body = default_template(pseudo_locale)
    values = {"person": "Anne Dupont", "number": "FACT/2025/00001", "organisation": "Namur"}
    for text in (subject, body):
        assert leftover(fill(text, values), data_of(values)) == []
        assert text.startswith("⟦")
