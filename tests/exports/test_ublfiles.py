"""UBL files written and checked in worker processes: same files, same order, same refusal."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

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
