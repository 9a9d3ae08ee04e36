"""The invoice document from plain data: what the PDF says and what a banking app scans."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from segno import helpers

from regie.documents.rendering import (
    Renderer,
    epc_payload,
    epc_qr,
    qr_png,
    render_many,
    typst_string,
)

PAYMENT = {
    "name": "Commune de Val-de-Mehaigne",
    "iban": "BE71096123456769",
    "bic": "GKCCBEBB",
    "amount_cents": 123456,
    "reference": "101000000114",
}


def document(**changes) -> dict:
    """Return the plain data of a one-page invoice (as regie.documents.data prepares it)."""
    data = {
        "key": 1,
        "file_name": "FACT-2025-00001.pdf",
        "language": "fr",
        "kind": "invoice",
        "organisation": {
            "name": "Commune de Val-de-Mehaigne",
            "address": ["Place communale 1", "5380 Noville-les-Bois"],
            "enterprise_number": "0207.451.227",
            "iban": "BE71 0961 2345 6769",
            "iban_compact": "BE71096123456769",
            "bic": "GKCCBEBB",
            "logo": "",
        },
        "recipient": {
            "name": "Anne Dupont",
            "address": ["Rue de la Gare 12", "5000 Namur"],
            "postcode": "5000",
        },
        "number": "FACT/2025/00001",
        "invoice_date": "03/11/2025",
        "due_date": "03/12/2025",
        "communication": "+++101/0000/00114+++",
        "summary": [
            {
                "child": "Léa Dupont",
                "activity": "Accueil du soir",
                "quantity": "2469",
                "unit": "0,50 €",
                "amount": "1.234,50 €",
            }
        ],
        "detail": [],
        "total": "1.234,56 €",
        "received": "0,00 €",
        "corrections": "",
        "balance": "1.234,56 €",
        "payment": dict(PAYMENT),
    }
    data.update(changes)
    return data


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def pdf_text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def scanned(png: bytes) -> list[bytes]:
    return [result.bytes for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_epc_payload_has_every_field_of_the_guideline_in_order():
    """EPC069-12 v002: service tag, version, UTF-8, SCT, BIC, name, IBAN, amount, purpose,
    structured reference — one per line."""
    fields = epc_payload(**PAYMENT).decode().split("\n")
    assert fields == [
        "BCD",
        "002",
        "1",
        "SCT",
        "GKCCBEBB",
        "Commune de Val-de-Mehaigne",
        "BE71096123456769",
        "EUR1234.56",
        "",
        "101000000114",
    ]


@pytest.mark.parametrize(("cents", "amount"), [(250, "EUR2.5"), (1200, "EUR12"), (1, "EUR0.01")])
def test_epc_amount_drops_trailing_zeros(cents, amount):
    assert epc_payload(**(PAYMENT | {"amount_cents": cents})).split(b"\n")[7] == amount.encode()


def test_our_qr_code_carries_what_segnos_epc_helper_would_carry():
    """Given the same transfer, when both codes are scanned, then they carry the same data."""
    ours = qr_png(epc_qr(PAYMENT))
    theirs = helpers.make_epc_qr(
        name=PAYMENT["name"],
        iban=PAYMENT["iban"],
        amount=Decimal("1234.56"),
        reference=PAYMENT["reference"],
        bic=PAYMENT["bic"],
        encoding="utf-8",
    )
    buffer = io.BytesIO()
    theirs.save(buffer, kind="png", scale=4)
    assert scanned(ours) == scanned(buffer.getvalue()) == [epc_payload(**PAYMENT)]


def test_typst_string_escapes_quotes_backslashes_and_control_characters():
    assert typst_string('a "b" \\ c\n\x01é') == '"a \\u{22}b\\u{22} \\u{5c} c\\u{a}\\u{1}é"'


def test_names_with_quotes_and_backslashes_print_as_written(renderer):
    recipient = {"name": 'Anne "Nanou" D\\Upont', "address": ["Rue #1 [bis]"], "postcode": ""}
    _pages, text = pdf_text(renderer.render(document(recipient=recipient)))
    assert 'Anne "Nanou" D\\Upont' in text.replace("“", '"').replace("”", '"')
    assert "Rue #1 [bis]" in text


def test_invoice_pdf_is_one_a4_page_with_every_element_in_french(renderer):
    """Given one invoice, then the PDF holds the letterhead, the address, the lines, the
    amounts, the due date, IBAN, BIC and the structured communication, formatted the Belgian
    way."""
    pages, text = pdf_text(renderer.render(document()))
    assert pages == 1
    reader_page = PdfReader(io.BytesIO(renderer.render(document()))).pages[0]
    assert (
        round(float(reader_page.mediabox.width)),
        round(float(reader_page.mediabox.height)),
    ) == (
        595,
        842,
    )
    for expected in (
        "Commune de Val-de-Mehaigne",
        "0207.451.227",
        "Anne Dupont",
        "Rue de la Gare 12",
        "5000 Namur",
        "Facture",
        "FACT/2025/00001",
        "Échéance",
        "03/12/2025",
        "Léa Dupont",
        "Accueil du soir",
        "1.234,50 €",
        "Déjà reçu",
        "Solde à payer",
        "1.234,56 €",
        "BE71 0961 2345 6769",
        "GKCCBEBB",
        "+++101/0000/00114+++",
    ):
        assert expected in text, expected


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fr", ("Facture", "Solde à payer", "Communication structurée")),
        ("nl", ("Factuur", "Te betalen saldo", "Gestructureerde mededeling")),
        ("de", ("Rechnung", "Zu zahlender Saldo", "Strukturierte Mitteilung")),
    ],
)
def test_document_speaks_the_persons_language(renderer, language, words):
    _pages, text = pdf_text(renderer.render(document(language=language)))
    for word in words:
        assert word in text


def test_qr_code_on_the_page_scans_to_the_balance_and_the_communication(renderer):
    """Given the rendered page as an image, when a reader scans it, then it finds one EPC code
    whose fields are the organisation, its IBAN and BIC, the balance and the reference."""
    page = renderer.render_png(document(), ppi=150)[0]
    (payload,) = scanned(page)
    fields = payload.decode().split("\n")
    assert fields[:4] == ["BCD", "002", "1", "SCT"]
    assert fields[4:7] == ["GKCCBEBB", "Commune de Val-de-Mehaigne", "BE71096123456769"]
    assert fields[7] == "EUR1234.56"
    assert fields[9] == "101000000114"


def test_a_paid_invoice_has_no_qr_code_and_says_nothing_is_due(renderer):
    paid = document(balance="0,00 €", received="1.234,56 €", payment=PAYMENT | {"amount_cents": 0})
    _pages, text = pdf_text(renderer.render(paid))
    assert "Rien à payer" in text
    assert scanned(renderer.render_png(paid, ppi=100)[0]) == []


def test_a_credit_note_asks_for_no_payment(renderer):
    credit = document(kind="credit_note", number="NC/2025/00001", payment=None)
    _pages, text = pdf_text(renderer.render(credit))
    assert "Note de crédit" in text and "NC/2025/00001" in text
    assert "Solde à payer" not in text


def test_detail_table_lists_every_day_and_flows_onto_more_pages(renderer):
    """Given 80 days of detail, then the table per child and day follows on further pages,
    its header repeated on each."""
    rows = [
        {
            "child": "Léa Dupont",
            "date": f"{day % 28 + 1:02d}/10/2025",
            "activity": "Accueil du soir",
            "quantity": "4",
            "unit": "0,50 €",
            "amount": "2,00 €",
        }
        for day in range(80)
    ]
    pages, text = pdf_text(renderer.render(document(detail=rows)))
    assert pages >= 3
    assert "Détail par enfant et par jour" in text
    assert text.count("Accueil du soir") == 81  # the summary line and the 80 days
    assert text.count("Quantité") == pages  # the summary's header, the detail's on each page


def test_render_many_reports_a_failing_document_and_renders_the_others(tmp_path, renderer):
    """A document the template cannot lay out is reported with Typst's message, as data."""
    broken = document(key=2, file_name="broken.pdf", summary=[{"child": "only a child"}])
    results = render_many(
        str(renderer.template), str(renderer.root), [document(), broken], str(tmp_path)
    )
    assert results[0] == (1, "FACT-2025-00001.pdf", "")
    assert results[1][:2] == (2, "broken.pdf") and "activity" in results[1][2]
    assert (tmp_path / "FACT-2025-00001.pdf").read_bytes().startswith(b"%PDF-")
    assert not (tmp_path / "broken.pdf").exists()
