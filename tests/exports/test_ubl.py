"""Every UBL file Regie can write passes EN 16931 and Peppol BIS Billing 3.0 (no fatal error).

The rules run with saxonche (about 25 ms a file once compiled, a few seconds to compile):
the hypothesis budget stays small. Documents mixing VAT categories O and S are refused by the
rules (BR-O-11): Regie refuses to produce them, naming the rule.
"""

from __future__ import annotations

import doctest
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regie.core.errors import DomainError
from regie.exports import documents as documents_module
from regie.exports import ubl
from regie.exports.documents import Document, Line, Party
from regie.exports.services import _articles
from regie.exports.validation import refuse_invalid, validate

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "einvoice"
SELLER = ubl.Seller("Commune d'Éghezée", "0207446772", "Route de Gembloux 43", "5310",
                    "Éghezée", "BE68539007547034")  # fmt: skip
PARENT = Party("P12", "Dupont Anne", "Rue Léon Morel 1", "5032", "Isnes")


def fatal(content: bytes) -> list[str]:
    return [f"{f.rule_set} {f.rule}: {f.text}" for f in validate(content) if f.fatal]


def test_doctests():
    assert doctest.testmod(ubl).failed == 0
    assert doctest.testmod(documents_module).failed == 0


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/einvoice is absent")
def test_the_shipped_rules_are_the_shared_official_ones():
    from regie.exports.validation import RULE_SETS

    for _name, path in RULE_SETS:
        assert path.read_bytes() == (SHARED / path.name).read_bytes()


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/einvoice is absent")
def test_the_validator_finds_the_deliberate_errors_of_the_broken_example():
    found = {f.rule for f in validate((SHARED / "examples/broken_base-example.xml").read_bytes())
             if f.fatal}  # fmt: skip
    assert {"BR-02", "BR-CO-16", "PEPPOL-EN16931-R003", "PEPPOL-COMMON-R043"} <= found
    assert fatal((SHARED / "examples/peppol_base-example.xml").read_bytes()) == []


def test_mixing_outside_scope_and_vat_is_refused_naming_the_rule():
    lines = (Line("Occupation", 1210, "040/366-48", vat_category="S", vat_rate=Decimal("21")),
             Line("Repas", 500, "835/161-48"))  # fmt: skip
    document = Document("FACT/2026/00003", "invoice", "original", False, date(2026, 3, 2),
                        date(2026, 4, 1), PARENT, lines, "101000000361")  # fmt: skip
    with pytest.raises(DomainError) as refused:
        refuse_invalid(ubl.write(document, SELLER), document.number)
    assert refused.value.code == "export.ubl_invalid"
    assert refused.value.params["rule"].startswith("BR-O-")


names = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzéèêëàçôöüßÉÀ' -"), min_size=1, max_size=120
).filter(lambda s: s.strip())
vat = st.sampled_from([("O", Decimal("0")), ("E", Decimal("0")), ("S", Decimal("21")),
                       ("S", Decimal("6"))])  # fmt: skip
line = st.builds(
    lambda label, cents, quantity, capped, day: Line(
        label, cents if capped else quantity * cents, "835/161-48",
        date(2026, 2, 1) + timedelta(days=day), quantity, cents + capped),
    names, st.integers(0, 50000), st.integers(1, 40), st.integers(0, 3), st.integers(0, 27),
)  # fmt: skip


@st.composite
def documents(draw):
    category, rate = draw(vat)
    lines = tuple(
        Line(x.label, x.amount_cents, x.article, x.day, x.quantity, x.unit_cents, category, rate)
        for x in draw(st.lists(line, min_size=1, max_size=60))
    )
    company = draw(st.booleans())
    debtor = Party(f"P{draw(st.integers(1, 10**6))}", draw(names), draw(names), "5000",
                   draw(names), enterprise_number="0403019261" if company else "")  # fmt: skip
    credit = draw(st.booleans())
    number = "NC/2026/00001" if credit else "FACT/2026/00001-R2"
    return Document(number, "invoice", "reissue", credit, date(2026, 3, 2), date(2026, 4, 1),
                    debtor, lines, "" if credit else "101000000159", "FACT/2026/00001",
                    "FACT/2026/00001" if credit else "")  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(documents())
def test_generated_documents_pass_both_rule_sets(document):
    """Many lines, credit notes, zero amounts and VAT, long names, accents: no fatal error."""
    assert fatal(ubl.write(document, SELLER)) == []


any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
odd_names = st.one_of(names, st.text(alphabet=st.sampled_from("a&<>\"'\r\n\t]]> é\x01\x0b"),
                                     max_size=20))  # fmt: skip


def outcome(write, document):
    try:
        return write(document, SELLER)
    except ValueError as refused:  # what XML cannot hold: refused by both
        return type(refused)


@settings(max_examples=300, deadline=None)
@given(documents(), odd_names, odd_names, any_text, st.sampled_from(["0208", "0088", 'a"&<\t']))
def test_the_text_writer_writes_the_bytes_of_the_lxml_writer(document, name, city, label,
                                                             scheme):  # fmt: skip
    """The UBL written as text is, byte for byte, what lxml wrote from a tree (ubl_lxml.py),
    names with characters to escape or that XML refuses included."""
    from tests.exports import ubl_lxml

    debtor = replace(document.debtor, name=name, city=city)
    lines = (*document.lines[:-1], replace(document.lines[-1], label=label))
    seller = replace(SELLER, name=name, endpoint_scheme=scheme)
    regrouped = ubl.with_grouped_lines(document)  # as the workers get it, and an export of
    assert ubl.write(regrouped, SELLER) == ubl.write(document, SELLER)  # the UBL alone keeps
    assert list(_articles(regrouped).items()) == list(_articles(document).items())
    assert regrouped.amount_cents == document.amount_cents
    for changed in (document, replace(document, debtor=debtor, lines=lines)):
        assert outcome(ubl.write, changed) == outcome(ubl_lxml.write, changed)
        assert outcome(lambda d, _s: ubl.write(d, seller), changed) == outcome(
            lambda d, _s: ubl_lxml.write(d, seller), changed
        )
