"""Render invoice documents from plain data: Typst for the page, segno for the EPC QR code.

This module never touches the ORM nor Django's settings, so that worker processes import it
cheaply and render thousands of documents from the plain dictionaries that
:mod:`regie.documents.data` prepares. A document is a dictionary of preformatted strings (see
``docs/documents.md``) plus ``payment``, from which the EPC ("SEPA credit transfer") QR code
is drawn here.

>>> epc_payload(name="Commune", iban="BE71096123456769", bic="GKCCBEBB",
...             amount_cents=1250, reference="101000000114").decode().splitlines()
['BCD', '002', '1', 'SCT', 'GKCCBEBB', 'Commune', 'BE71096123456769', 'EUR12.5', '', '101000000114']
>>> print(typst_string('Dupont "Anne"'))
"Dupont \\u{22}Anne\\u{22}"
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from pathlib import Path
from typing import Any

import segno
import typst

DEFAULT_TEMPLATE = Path(__file__).resolve().parent / "typst" / "invoice.typ"
_UNSAFE = re.compile(r'[\\"\x00-\x1f\x7f]')
_GREY = bytes([255, 0]) + bytes(254)  # module value → grey level: 0 → white, 1 → black


def epc_payload(*, name: str, iban: str, bic: str, amount_cents: int, reference: str) -> bytes:
    """Return the data of an EPC QR code (EPC069-12, version 002, UTF-8): a credit transfer.

    The Belgian structured communication (its twelve digits) goes in the structured
    remittance field, where Belgian banking apps read it; the amount is in euros, without
    trailing zeros, as the guideline asks ("EUR12.5").
    """
    euros, cents = divmod(amount_cents, 100)
    amount = f"EUR{euros}.{cents:02d}".rstrip("0").rstrip(".")
    fields = ["BCD", "002", "1", "SCT", bic, name[:70], iban, amount, "", reference]
    return "\n".join(fields).encode("utf-8")


def epc_qr(payment: dict[str, Any]) -> segno.QRCode:
    """Return the EPC QR code of a payment (error correction M, as the guideline demands).

    The mask is fixed: letting segno try all eight costs 20 ms a code, more than the whole
    page, and any mask is valid for every reader.
    """
    return segno.make_qr(epc_payload(**payment), error="m", boost_error=False, mask=2)


def qr_png(qr: segno.QRCode, border: int = 4) -> bytes:
    """Return the code as an 8-bit grey PNG, one pixel per module (the page scales it up),
    with the quiet zone of four modules that readers need."""
    matrix = qr.matrix  # rows of 0 (light) and 1 (dark)
    size = len(matrix) + 2 * border
    light = b"\0" + b"\xff" * size
    margin = b"\xff" * border
    rows = [light] * border
    rows += [b"\0" + margin + bytes(row).translate(_GREY) + margin for row in matrix]
    rows += [light] * border

    def chunk(kind: bytes, body: bytes) -> bytes:
        checksum = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + checksum

    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def typst_string(text: str) -> str:
    """Return ``text`` as a Typst string literal."""
    return '"' + _UNSAFE.sub(lambda m: f"\\u{{{ord(m.group()):x}}}", text) + '"'


def typst_source(template: str, document: dict[str, Any]) -> bytes:
    """Return the main Typst source that renders one document with ``template`` (its path
    from Typst's root, like "/templates/invoice.typ").

    The data travels inside the source rather than through ``sys.inputs``: changing the
    inputs rebuilds Typst's library on every compilation (5 ms), while the template module,
    unchanged, stays in Typst's cache.
    """
    data = {key: value for key, value in document.items() if key not in ("payment", "key")}
    payment = document.get("payment")
    qr = "none"
    if payment and payment["amount_cents"] > 0 and payment["iban"]:
        qr = "bytes((" + ",".join(map(str, qr_png(epc_qr(payment)))) + ",))"
    payload = typst_string(json.dumps(data, ensure_ascii=False))
    return (
        f"#import {typst_string(template)}: invoice\n"
        f"#invoice(json(bytes({payload})) + (qr: {qr}))\n"
    ).encode()


class Renderer:
    """Compile documents with one reusable Typst compiler (fonts load once, the template is
    evaluated once).

    ``root`` is the folder Typst may read (the logos); the template must lie inside it.
    """

    def __init__(self, template: Path = DEFAULT_TEMPLATE, root: Path | None = None) -> None:
        self.template = Path(template)
        self.root = Path(root or self.template.parent)
        self.path = "/" + self.template.relative_to(self.root).as_posix()
        self.compiler = typst.Compiler(root=str(self.root))

    def render(self, document: dict[str, Any]) -> bytes:
        """Return the PDF of one document."""
        return self.compiler.compile(
            input=typst_source(self.path, document), format="pdf", pdf_tags=False
        )

    def render_png(self, document: dict[str, Any], ppi: float = 150) -> list[bytes]:
        """Return the pages of one document as PNG images (to check what a reader sees)."""
        pages = self.compiler.compile(
            input=typst_source(self.path, document), format="png", ppi=ppi
        )
        return pages if isinstance(pages, list) else [pages]


_renderers: dict[tuple[str, str], Renderer] = {}


def renderer_for(template: str | Path, root: str | Path) -> Renderer:
    """Return this process's renderer of a template (created on first use)."""
    key = (str(template), str(root))
    if key not in _renderers:
        _renderers[key] = Renderer(Path(template), Path(root))
    return _renderers[key]


def render_many(
    template: str, root: str, documents: list[dict[str, Any]], folder: str
) -> list[tuple[Any, str, str]]:
    """Render documents to ``folder/<file_name>``; return ``(key, file name, error)`` each.

    Runs in a worker process: a failure of one document is reported, never raised, so that
    the batch says which documents failed and why.
    """
    renderer = renderer_for(template, root)
    results = []
    for document in documents:
        name = document["file_name"]
        try:
            (Path(folder) / name).write_bytes(renderer.render(document))
        except Exception as error:  # noqa: BLE001 - reported per document, as data
            message = getattr(error, "message", "") or str(error) or type(error).__name__
            results.append((document["key"], name, message))
        else:
            results.append((document["key"], name, ""))
    return results
