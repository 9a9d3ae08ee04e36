"""A streamed XLSX writer for long lists: one sheet, rows written as they come.

openpyxl's write-only workbook builds a cell object per value and writes each through an XML
serialiser: a list of 270,000 days (six columns) took over three minutes on the benchmark's
machine (``bench/lists.py``), nine tenths of it in openpyxl. This writer produces the same
kind of file (inline strings, numbers, dates as dates with a date format, amounts with a
number format, a bold heading) by formatting each row's XML text directly into the sheet's
compressed stream of a ZIP: memory stays that of a thousand rows, whatever the length.

>>> import io
>>> from datetime import date
>>> from decimal import Decimal
>>> from openpyxl import load_workbook
>>> target = io.BytesIO()
>>> write_xlsx(target, "Liste", ["Nom", "Jour", "Montant"], [None, DATE, MONEY],
...            [("Dupont & fils", date(2026, 1, 30), Decimal("24.68"))])
>>> sheet = load_workbook(target).active
>>> [[cell.value for cell in row] for row in sheet.iter_rows()]
[['Nom', 'Jour', 'Montant'], ['Dupont & fils', datetime.datetime(2026, 1, 30, 0, 0), 24.68]]
>>> sheet["A1"].font.b, sheet["B2"].number_format, sheet["C2"].number_format
(True, 'DD/MM/YYYY', '#,##0.00')
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any
from xml.sax.saxutils import escape

from regie.exports.xlsx import DATE, FORMATS, MONEY

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Style indexes of styles.xml's cellXfs: plain, bold heading, amount, date.
PLAIN, BOLD, AMOUNT, DAY = 0, 1, 2, 3
STYLE_OF = {MONEY: AMOUNT, DATE: DAY}
EPOCH = date(1899, 12, 30)  # a spreadsheet's day 0 (1900 date system)
ROWS_PER_WRITE = 1000
# Characters XML 1.0 does not allow (a control character pasted into a name, say).
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")

CONTENT_TYPES = (
    HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.styles+xml"/></Types>'
)
ROOT_RELS = (
    HEAD + f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
    f'Type="{OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK_RELS = (
    HEAD + f'<Relationships xmlns="{RELS}">'
    f'<Relationship Id="rId1" Type="{OFFICE}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{OFFICE}/styles" Target="styles.xml"/></Relationships>'
)
STYLES = (
    HEAD + f'<styleSheet xmlns="{MAIN}"><numFmts count="2">'
    f'<numFmt numFmtId="164" formatCode="{escape(FORMATS[MONEY])}"/>'
    f'<numFmt numFmtId="165" formatCode="{escape(FORMATS[DATE])}"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="4">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    "</cellStyles></styleSheet>"
)


TEXTS_KEPT = 50_000  # distinct texts whose cells are kept while writing a sheet


def write_xlsx(
    target: IO[bytes],
    title: str,
    headings: Sequence[str],
    kinds: Sequence[str | None],
    rows: Iterable[Sequence[Any]],
) -> None:
    """Write a one-sheet workbook to ``target``: a bold heading, then ``rows``.

    ``kinds`` gives each column's format for its numbers and dates (``MONEY``, ``DATE``, or
    ``None`` for none); text, numbers, dates and date-times are written as such, ``None`` and
    empty texts as empty cells."""
    styles = [STYLE_OF.get(kind or "", PLAIN) for kind in kinds]
    sheet_name = escape(ILLEGAL.sub("", str(title))[:31] or "Sheet1", {'"': "&quot;"})
    workbook = (
        HEAD + f'<workbook xmlns="{MAIN}" xmlns:r="{OFFICE}"><sheets>'
        f'<sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        book.writestr("[Content_Types].xml", CONTENT_TYPES)
        book.writestr("_rels/.rels", ROOT_RELS)
        book.writestr("xl/workbook.xml", workbook)
        book.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        book.writestr("xl/styles.xml", STYLES)
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(f'{HEAD}<worksheet xmlns="{MAIN}"><sheetData>'.encode())
            heading = "".join(_text(str(h), BOLD) for h in headings)
            chunk = [f'<row r="1">{heading}</row>']
            number = 1
            texts: dict[str, str] = {}  # a list repeats its texts (names, places, statuses)
            for row in rows:
                number += 1
                cells = "".join(
                    (texts.get(value) or _remembered(texts, value))
                    if value.__class__ is str and value
                    else _cell(value, style)
                    for value, style in zip(row, styles, strict=True)
                )
                chunk.append(f'<row r="{number}">{cells}</row>')
                if len(chunk) >= ROWS_PER_WRITE:
                    sheet.write("".join(chunk).encode())
                    chunk = []
            chunk.append("</sheetData></worksheet>")
            sheet.write("".join(chunk).encode())


def _remembered(texts: dict[str, str], value: str) -> str:
    """Return the cell of a text, kept for the next rows (at most TEXTS_KEPT texts)."""
    if len(texts) >= TEXTS_KEPT:
        texts.clear()
    texts[value] = cell = _text(value)
    return cell


def _text(value: str, style: int = PLAIN) -> str:
    text = escape(ILLEGAL.sub("", value))
    styled = f' s="{style}"' if style else ""
    return f'<c t="inlineStr"{styled}><is><t xml:space="preserve">{text}</t></is></c>'


def _cell(value: Any, style: int) -> str:
    if value is None or value == "":  # an empty cell, as openpyxl writes an empty text
        return "<c/>"
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, bool):
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, datetime):
        serial = (value.replace(tzinfo=None) - datetime(1899, 12, 30)).total_seconds() / 86400
        return f'<c s="{style or DAY}"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c s="{style or DAY}"><v>{(value - EPOCH).days}</v></c>'
    if isinstance(value, (int, float, Decimal)):
        styled = f' s="{style}"' if style else ""
        return f"<c{styled}><v>{value}</v></c>"
    return _text(str(value))
