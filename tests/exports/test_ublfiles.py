"""UBL files written and checked in worker processes: same files, same order, same refusal."""

from __future__ import annotations

import pickle
from dataclasses import fields, replace
from datetime import date
from decimal import Decimal
from xml.etree import ElementTree

import pytest

from regie.core.errors import DomainError
from regie.exports import ubl, ublfiles, validation
from regie.exports.documents import Document, Line, Party
from regie.exports.ubl import Seller

SELLER = Seller("Commune d'Éghezée", "0207446772", "Route de Gembloux 43", "5310", "Éghezée",
                "BE68539007547034")  # fmt: skip


def documents(count: int) -> list[Document]:
    return [
        Document(
            f"FACT/2026/{n:05d}",
            "invoice",
            "original",
            False,
            date(2026, 3, 2),
            date(2026, 4, 1),
            Party(f"P{n}", "Dupont Anne"),
            tuple(
                Line("Garderie – Léa", 150, "835/161-48", date(2026, 2, d), 2, 75)
                for d in range(2, 2 + n % 5)
            )
            or (Line("Repas", 380, "835/161-49"),),
            "101000000159",
        )  # fmt: skip
        for n in range(count)
    ]


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(ublfiles, "CHUNK", 3)
    monkeypatch.setattr(ublfiles, "INLINE_BELOW", 2)


def test_workers_give_the_files_of_one_process_in_order(small_chunks):
    found = documents(10)
    advanced: list[int] = []
    inline = list(ublfiles.checked_files(found, SELLER, workers=1, advance=advanced.append))
    pooled = list(ublfiles.checked_files(found, SELLER, workers=2, advance=lambda n: None))
    assert pooled == inline
    assert [name for name, _ in pooled] == [f"FACT-2026-{n:05d}.xml" for n in range(10)]
    assert sum(advanced) == 10
    with ublfiles.started(2, len(found), SELLER) as pool:  # started before the documents exist
        assert pool is not None
        early = list(ublfiles.checked_files(found, SELLER, workers=2, advance=abs, pool=pool))
    assert early == inline
    with ublfiles.started(2, 1, SELLER) as pool:
        assert pool is None  # fewer than INLINE_BELOW: checked in this process


def test_a_line_goes_to_a_worker_whole():
    line = Line("Stage – Léa", 9000, "761/161-48", date(2026, 2, 2), 3, 3000, "S", Decimal("6"),
                date(2026, 2, 4))  # fmt: skip
    # every field differs from its default: one that __reduce__ forgot would come back default
    assert all(getattr(line, f.name) != f.default for f in fields(Line))
    assert pickle.loads(pickle.dumps(line)) == line  # noqa: S301 - our own bytes
    assert ubl.grouped([line]) == (line,)  # grouping builds its lines field by field too
    assert ubl.grouped([line, replace(line, day=date(2026, 2, 1), until=None)]) == (
        replace(line, quantity=6, amount_cents=18000, day=date(2026, 2, 1)),
    )
    assert pickle.loads(pickle.dumps(Line("Repas", 380, "835/161-49"))) == Line(  # noqa: S301
        "Repas", 380, "835/161-49"
    )


def test_a_failing_document_in_a_worker_refuses_the_export_naming_it(small_chunks):
    found = documents(8)
    mixed = (Line("Occupation", 1210, "040/366-48", vat_category="S", vat_rate=Decimal("21")),
             Line("Repas", 500, "835/161-48"))  # fmt: skip
    found[5] = replace(found[5], lines=mixed)
    with pytest.raises(DomainError) as refused:
        list(ublfiles.checked_files(found, SELLER, workers=2, advance=lambda n: None))
    assert refused.value.code == "export.ubl_invalid"
    assert refused.value.params["number"] == "FACT/2026/00005"
    assert refused.value.params["rule"].startswith("BR-O-")


def test_checking_many_files_at_once_finds_what_checking_each_finds():
    """The EN 16931 rules run over a chunk in one call: the findings of each file (fatal
    errors and warnings, in order) are those of the file checked alone."""
    found = documents(6)
    mixed = (Line("Occupation", 1210, "040/366-48", vat_category="S", vat_rate=Decimal("21")),
             Line("Repas", 500, "835/161-48"))  # fmt: skip
    found[1] = replace(found[1], lines=mixed)
    found[4] = replace(found[4], debtor=Party("P4", "Dupont Anne", country="DE"))
    contents = [ubl.write(document, SELLER) for document in found]
    contents[3] = contents[3].replace(b">EUR</cbc:DocumentCurrencyCode>", b">XXX</cbc:Document"
                                      b"CurrencyCode>")  # fmt: skip

    many = validation.validate_many(contents)

    assert many == [validation.validate(content) for content in contents]
    assert [bool(findings) for findings in many] == [False, True, False, True, False, False]
    assert many[3][0].rule_set == "EN16931" and many[3][0].fatal
    assert validation.validate_many([]) == []


COUNTRY = b"<cbc:IdentificationCode>BE</cbc:IdentificationCode>"


def every_kind() -> list[bytes]:
    """UBL files of every kind Regie writes, and of settings the Peppol rules read globally
    (profile, supplier's and customer's countries and VAT numbers, currency, issue date)."""
    care = (Line("Garderie – Léa", 150, "835/161-48", date(2026, 2, 2), 2, 75),
            Line("Repas – Léa", 380, "835/161-49", date(2026, 2, 3)))  # fmt: skip
    fee = (Line("Permis d'urbanisme", 12100, "040/366-48", vat_category="S",
                vat_rate=Decimal("21")),)  # fmt: skip
    zero = (Line("Stage", 9000, "761/161-48", vat_category="E"),
            Line("Location", 10600, "124/161-48", vat_category="S",
                 vat_rate=Decimal("6")))  # fmt: skip
    consumer = Party("P12", "Dupont Anne", "Rue Léon Morel 1", "5032", "Isnes")
    company = Party("P13", "Garage Mécanique SRL", "Rue de la Gare 4", "5000", "Namur",
                    enterprise_number="0207.446.759")  # fmt: skip
    base = Document("FACT/2026/00001", "invoice", "original", False, date(2026, 3, 2),
                    date(2026, 4, 1), consumer, care, "101000000159")  # fmt: skip
    found = [
        base,
        replace(
            base,
            number="NC/2026/00001",
            kind="credit_note",
            is_credit=True,
            reference="FACT/2026/00001",
        ),  # fmt: skip
        replace(base, number="FACT/2026/00002", debtor=company),
        replace(base, number="NC/2026/00002", is_credit=True, debtor=company, action="reversal"),
        replace(
            base,
            number="FACT/2026/00003",
            kind="reminder_fee",
            lines=(Line("Frais de rappel", 1000, "040/380-03"),),
        ),  # fmt: skip
        replace(base, number="SVC/2026/00001", kind="service_fee", lines=fee, debtor=company),
        replace(base, number="SVC/2026/00002", kind="service_fee", lines=zero),
        replace(base, number="FACT/2026/00004", lines=care + fee),  # BR-O: mixes O and S
        replace(base, number="FACT/2026/00005", debtor=replace(consumer, country="DE")),
        replace(base, number="FACT/2026/00006", issue_date=date(2026, 3, 31)),
    ]
    contents = [ubl.write(document, SELLER) for document in found]
    swaps = [
        (COUNTRY, b"<cbc:IdentificationCode>NL</cbc:IdentificationCode>", 1),  # supplier NL
        (COUNTRY, b"<cbc:IdentificationCode>DE</cbc:IdentificationCode>", -1),  # both DE
        (COUNTRY, b"<cbc:IdentificationCode>GR</cbc:IdentificationCode>", -1),  # both GR
        (b"<cbc:CompanyID>BE0207446772", b"<cbc:CompanyID>NL0207446772", 1),  # VAT number
        (b">EUR</cbc:DocumentCurrencyCode>", b">XXX</cbc:DocumentCurrencyCode>", 1),
        (b"billing:01:1.0</cbc:ProfileID>", b"billing:02:1.0</cbc:ProfileID>", 1),
    ]
    for old, new, count in swaps:
        changed = [c.replace(old, new, count) for c in (contents[0], contents[5], contents[6])]
        assert changed[1] != contents[5], old
        contents += [content for content in changed if content not in contents]
    return contents


def test_every_kind_checked_in_chunks_finds_what_checking_each_finds():
    """Both rule sets over chunks of files of every kind, the Peppol rules' global settings
    changing from file to file: each file's findings (fatal errors and warnings, in order) are
    those of the file checked alone, the Peppol ones included."""
    contents = every_kind()
    contents = contents[1::2] + contents[::2]  # settings interleaved, not sorted
    alone = [validation.validate(content) for content in contents]

    assert validation.validate_many(contents) == alone
    assert validation.validate_many(contents[::-1]) == alone[::-1]
    rule_sets = {finding.rule_set for findings in alone for finding in findings}
    assert rule_sets == {"EN16931", "PEPPOL"}
    peppol = [{f.rule.split("-")[0] for f in found if f.rule_set == "PEPPOL"} for found in alone]
    assert {"NL", "DE", "GR"} <= set().union(*peppol)  # rules that depend on the globals
    assert sum(1 for rules in peppol if not rules) >= 8


PEPPOL_GLOBALS = {
    "Q{http://dmaus.name/ns/2023/schxslt}phase", "profile", "supplierCountry", "customerCountry",
    "supplierCountryIsDE", "customerCountryIsDE", "documentCurrencyCode", "isGreekSender",
    "isGreekReceiver", "isGreekSenderandReceiver", "accountingSupplierCountry",
    "DKSupplierCountry", "DKCustomerCountry", "dateRegExp", "greekDocumentType",
    "tokenizedUblIssueDate", "SupplierCountry", "CustomerCountry", "supplierCountryIsNL",
    "customerCountryIsNL", "taxRepresentativeCountryIsNL", "XR-SKONTO-REGEX", "XR-EMAIL-REGEX",
    "XR-TELEPHONE-REGEX", "XR-URL-REGEX", "ISO3166", "ISO4217", "MIMECODE", "UNCL2005",
    "UNCL5189", "UNCL7161", "UNCL5305", "eaid",
}  # fmt: skip


def test_the_peppol_wrapper_knows_every_global_of_the_official_rules():
    """rules/PEPPOL-batch.xslt groups files by what these globals read (the profile, the
    parties' countries and VAT numbers, the currency, the issue date); a release adding a
    global must be read before it runs in chunks."""
    xsl = "{http://www.w3.org/1999/XSL/Transform}"
    root = ElementTree.parse(validation.RULE_SETS[1][1]).getroot()  # noqa: S314 - shipped file
    found = {el.get("name") for el in root if el.tag in (f"{xsl}param", f"{xsl}variable")}
    assert found == PEPPOL_GLOBALS
