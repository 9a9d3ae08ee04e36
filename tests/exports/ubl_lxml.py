"""The UBL writer as Regie first wrote it, with lxml: the reference the string writer of
``regie.exports.ubl`` is checked against, byte for byte (test_ubl.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from lxml import etree

from regie.exports.csvfile import euros
from regie.exports.documents import Document, Line
from regie.exports.ubl import (
    CUSTOMIZATION,
    EXEMPTION,
    NS,
    PROFILE,
    ROOT_NS,
    Seller,
    breakdown,
    digits,
    net_of,
)


class _Builder:
    def __init__(self, root: etree._Element) -> None:
        self.root = root

    def add(self, parent, name: str, text: str | None = None, **attributes) -> etree._Element:
        prefix, local = name.split(":")
        element = etree.SubElement(parent, f"{{{NS[prefix]}}}{local}", attributes)
        if text is not None:
            element.text = text
        return element

    def amount(self, parent, name: str, cents: int) -> etree._Element:
        return self.add(parent, name, euros(cents), currencyID="EUR")


def _address(b: _Builder, party, street: str, postcode: str, city: str, country: str) -> None:
    address = b.add(party, "cac:PostalAddress")
    if street:
        b.add(address, "cbc:StreetName", street)
    if city:
        b.add(address, "cbc:CityName", city)
    if postcode:
        b.add(address, "cbc:PostalZone", postcode)
    b.add(b.add(address, "cac:Country"), "cbc:IdentificationCode", country or "BE")


def _seller(b: _Builder, seller: Seller, with_vat: bool) -> None:
    party = b.add(b.add(b.root, "cac:AccountingSupplierParty"), "cac:Party")
    scheme, endpoint = seller.endpoint
    b.add(party, "cbc:EndpointID", endpoint, schemeID=scheme)
    b.add(b.add(party, "cac:PartyName"), "cbc:Name", seller.name)
    _address(b, party, seller.street, seller.postcode, seller.city, "BE")
    if with_vat:
        tax = b.add(party, "cac:PartyTaxScheme")
        b.add(tax, "cbc:CompanyID", f"BE{seller.enterprise_number}")
        b.add(b.add(tax, "cac:TaxScheme"), "cbc:ID", "VAT")
    legal = b.add(party, "cac:PartyLegalEntity")
    b.add(legal, "cbc:RegistrationName", seller.name)
    b.add(legal, "cbc:CompanyID", seller.enterprise_number, schemeID="0208")


def _buyer(b: _Builder, document: Document, seller: Seller) -> None:
    debtor = document.debtor
    party = b.add(b.add(b.root, "cac:AccountingCustomerParty"), "cac:Party")
    company = digits(debtor.enterprise_number)
    scheme, endpoint = ("0208", company) if company else seller.endpoint
    b.add(party, "cbc:EndpointID", endpoint, schemeID=scheme)
    b.add(b.add(party, "cac:PartyIdentification"), "cbc:ID", debtor.reference)
    _address(b, party, debtor.street, debtor.postcode, debtor.city, debtor.country)
    legal = b.add(party, "cac:PartyLegalEntity")
    b.add(legal, "cbc:RegistrationName", debtor.name)
    if company:
        b.add(legal, "cbc:CompanyID", company, schemeID="0208")


def _tax_total(b: _Builder, groups) -> None:
    total = b.add(b.root, "cac:TaxTotal")
    b.amount(total, "cbc:TaxAmount", sum(tax for _, tax in groups.values()))
    for (category, rate), (net, tax) in sorted(groups.items()):
        subtotal = b.add(total, "cac:TaxSubtotal")
        b.amount(subtotal, "cbc:TaxableAmount", net)
        b.amount(subtotal, "cbc:TaxAmount", tax)
        _category(b, subtotal, "cac:TaxCategory", category, rate, reason=True)


def _category(b: _Builder, parent, name: str, category: str, rate: Decimal, reason=False):
    element = b.add(parent, name)
    b.add(element, "cbc:ID", category)
    if category != "O":
        b.add(element, "cbc:Percent", format(Decimal(rate).normalize(), "f"))
    if reason and category in EXEMPTION:
        b.add(element, "cbc:TaxExemptionReason", EXEMPTION[category])
    b.add(b.add(element, "cac:TaxScheme"), "cbc:ID", "VAT")


def _totals(b: _Builder, groups, rounding: int) -> None:
    net = sum(n for n, _ in groups.values())
    tax = sum(t for _, t in groups.values())
    totals = b.add(b.root, "cac:LegalMonetaryTotal")
    b.amount(totals, "cbc:LineExtensionAmount", net)
    b.amount(totals, "cbc:TaxExclusiveAmount", net)
    b.amount(totals, "cbc:TaxInclusiveAmount", net + tax)
    if rounding:
        b.amount(totals, "cbc:PayableRoundingAmount", rounding)
    b.amount(totals, "cbc:PayableAmount", net + tax + rounding)


def _lines(b: _Builder, document: Document, tag: str) -> None:
    line_tag, quantity_tag = (
        ("cac:CreditNoteLine", "cbc:CreditedQuantity")
        if tag == "CreditNote"
        else ("cac:InvoiceLine", "cbc:InvoicedQuantity")
    )
    for number, line in enumerate(document.lines, start=1):
        net = net_of(line)
        quantity, unit = Line(line.label, net, "", quantity=line.quantity,
                              unit_cents=line.unit_cents).priced  # fmt: skip
        element = b.add(b.root, line_tag)
        b.add(element, "cbc:ID", str(number))
        b.add(element, quantity_tag, str(quantity), unitCode="C62")
        b.amount(element, "cbc:LineExtensionAmount", net)
        item = b.add(element, "cac:Item")
        if line.day and line.until and line.until != line.day:
            days = f"{line.day.isoformat()}/{line.until.isoformat()}"
            b.add(item, "cbc:Description", f"{days} {line.label}")
        elif line.day:
            b.add(item, "cbc:Description", f"{line.day.isoformat()} {line.label}")
        b.add(item, "cbc:Name", line.label[:200] or document.number)
        if line.article:
            b.add(b.add(item, "cac:SellersItemIdentification"), "cbc:ID", line.article)
        _category(b, item, "cac:ClassifiedTaxCategory", line.vat_category, line.vat_rate)
        b.amount(b.add(element, "cac:Price"), "cbc:PriceAmount", unit)


def grouped(lines: Sequence[Line]) -> tuple[Line, ...]:
    """The lines grouped as Regie first grouped them (with dataclasses.replace)."""
    groups: dict[tuple, list] = {}  # key → [first line, quantity, amount, first day, last day]
    for number, line in enumerate(lines):
        exact = line.unit_cents is not None and line.quantity * line.unit_cents == line.amount_cents
        key = (line.label, line.article, line.vat_category, line.vat_rate, line.unit_cents) if (
            exact) else (number,)  # fmt: skip
        found = groups.get(key)
        if found is None:
            groups[key] = [line, line.quantity, line.amount_cents, line.day, line.until or line.day]
            continue
        days = [day for day in (found[3], found[4], line.day, line.until) if day]
        found[1] += line.quantity
        found[2] += line.amount_cents
        found[3], found[4] = min(days, default=None), max(days, default=None)
    return tuple(
        replace(line, quantity=quantity, amount_cents=amount, day=first, until=last)
        if (quantity, amount, first, last)
        != (line.quantity, line.amount_cents, line.day, line.until)  # fmt: skip
        else line
        for line, quantity, amount, first, last in groups.values()
    )


def write(document: Document, seller: Seller) -> bytes:
    """Return the UBL file of a document: an Invoice, or a CreditNote when it credits."""
    document = replace(document, lines=grouped(document.lines))
    tag = "CreditNote" if document.is_credit else "Invoice"
    root = etree.Element(f"{{{ROOT_NS[tag]}}}{tag}", nsmap={None: ROOT_NS[tag], **NS})
    b = _Builder(root)
    b.add(root, "cbc:CustomizationID", CUSTOMIZATION)
    b.add(root, "cbc:ProfileID", PROFILE)
    b.add(root, "cbc:ID", document.number)
    b.add(root, "cbc:IssueDate", document.issue_date.isoformat())
    if tag == "Invoice":
        b.add(root, "cbc:DueDate", max(document.due_date, document.issue_date).isoformat())
        b.add(root, "cbc:InvoiceTypeCode", "380")
    else:
        b.add(root, "cbc:CreditNoteTypeCode", "381")
    b.add(root, "cbc:DocumentCurrencyCode", "EUR")
    b.add(root, "cbc:BuyerReference", document.debtor.reference)
    credited = document.reference or (document.source_number if document.is_credit else "")
    if credited and credited != document.number:
        reference = b.add(b.add(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        b.add(reference, "cbc:ID", credited)
    groups, rounding = breakdown(document.lines)
    _seller(b, seller, with_vat=any(category != "O" for category, _ in groups))
    _buyer(b, document, seller)
    if tag == "Invoice" and seller.iban:
        means = b.add(root, "cac:PaymentMeans")
        b.add(means, "cbc:PaymentMeansCode", "30")
        if document.communication:
            b.add(means, "cbc:PaymentID", document.formatted_communication)
        account = b.add(means, "cac:PayeeFinancialAccount")
        b.add(account, "cbc:ID", seller.iban.replace(" ", ""))
    if tag == "CreditNote":
        b.add(b.add(root, "cac:PaymentTerms"), "cbc:Note", "Credit note: nothing to pay.")
    _tax_total(b, groups)
    _totals(b, groups, rounding)
    _lines(b, document, tag)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
