"""The Belcotax-on-web XML of 281.86 certificates, checked against SPF's 2024 XSD.

The XSD is a test fixture in ../shared/data/belcotax (never shipped): these tests skip when
../shared is absent.
"""

from datetime import date

import pytest
from lxml import etree
from tests.certificates.builders import days, family, invoice_post, kinds_create, maximum, pay

from regie.certificates.belcotax import Filing, Sender, Slip, SlipPeriod, XmlWriter
from regie.certificates.filing import filing_file, filing_of
from regie.certificates.models import CertificateBatch
from regie.certificates.services import batch_create
from regie.core.errors import DomainError

SENDER = Sender(
    "CPAS de Testville",
    "Rue de l'Eglise 1",
    "5000",
    "Namur",
    "0212345678",
    "081000000",
    "Service accueil",
    "accueil@example.be",
    "fr",
)


@pytest.fixture
def schema(shared_dir):
    return etree.XMLSchema(etree.parse(str(shared_dir / "data/belcotax/Belcotax-2024.xsd")))


def valid(schema, xml: bytes) -> bool:
    ok = schema.validate(etree.fromstring(xml))
    assert ok, [f"line {e.line}: {e.message}" for e in schema.error_log]
    return ok


def synthetic_slip() -> Slip:
    """The certificate of ../shared's synthetic example: 40 days at 12.50, 500.00."""
    period = SlipPeriod(date(2024, 1, 1), date(2024, 12, 31), 40, 1250, 50000)
    return Slip(
        1,
        "2024-000001",
        "85073003328",
        "Dupont",
        "Marie",
        "Rue Haute 5",
        "5000",
        "Namur",
        "BE",
        "Dupont",
        "Lucie",
        date(2018, 1, 1),
        "18010100192",
        [period],
    )


def test_the_synthetic_example_is_written_zone_for_zone(shared_dir):
    """Our writer, given the synthetic example's values, writes its zones and trailers."""
    filing = Filing(2024, date(2025, 1, 15), SENDER, [synthetic_slip()], test=True)
    ours = etree.fromstring(XmlWriter().write(filing))
    theirs = etree.parse(str(shared_dir / "data/belcotax/example_28186_synthetic.xml"))
    assert [(e.tag, e.text) for e in ours.iter() if len(e) == 0] == [
        (e.tag, e.text) for e in theirs.getroot().iter() if len(e) == 0
    ]


def test_four_periods_a_foreign_parent_and_totals_validate(schema):
    periods = [
        SlipPeriod(date(2024, 1, 8), date(2024, 6, 28), 80, None, 16000),
        SlipPeriod(date(2024, 7, 1), date(2024, 7, 5), 5, 2500, 12500),
        SlipPeriod(date(2024, 7, 8), date(2024, 7, 12), 5, 2200, 11000),
        SlipPeriod(date(2024, 8, 5), date(2024, 8, 9), 5, 1800, 9000),
    ]
    belgian = synthetic_slip()
    french = Slip(
        2, "2024-000002", "85073003328", "Martin", "Paul", "1 rue de Lille", "59000", "Lille",
        "FR", "Martin", "Jules", date(2016, 4, 2), "", periods,
    )  # fmt: skip
    filing = Filing(2024, date(2025, 1, 15), SENDER, [belgian, french])
    xml = XmlWriter().write(filing)
    assert valid(schema, xml)
    root = etree.fromstring(xml)
    assert root.findtext(".//r8012_controletotaal") == str(2 * (50000 + 48500))
    assert root.findtext(".//r8011_controletotaal") == "3"
    assert root.findtext(".//r9011_totaalaantalrecords") == "6"
    fiche = root.findall(".//Fiche28186")[1]
    assert fiche.findtext("f2112_buitenlandspostnummer") == "59000"
    assert fiche.findtext("f2018_landwoonplaats") == "111"
    assert fiche.find("f86_2111_dailytariff1") is None  # days under the maximum
    assert fiche.findtext("f86_2120_dailytariff4") == "1800"


@pytest.mark.django_db
def test_the_file_of_worked_example_15_validates(schema, in_a):
    kinds = kinds_create()
    parent, child = family(birth=date(2018, 1, 8))
    care = [(d, kinds.care, 200) for d in days(date(2024, 1, 8), 60)]
    camp = [(d, kinds.camp, 2500) for d in days(date(2024, 7, 8), 5)]
    pay(invoice_post(parent, child, care + camp, day=date(2024, 7, 31)), 24500, date(2024, 8, 5))
    maximum(2024)
    batch = batch_create(year=2024)
    filing = filing_of(batch, phone="081 00 00 00", contact="Anne", email="a@example.be")
    content, media_type, name = filing_file(filing)
    assert valid(schema, content)
    assert (media_type, name) == ("application/xml", "belcotax-28186-2024.xml")
    root = etree.fromstring(content)
    assert root.findtext(".//f86_2064_totalamount") == "24500"
    assert root.findtext(".//f86_2115_dailytariff2") == "2500"


@pytest.mark.django_db
def test_a_slip_without_national_number_refuses_the_file_naming_the_person(in_a):
    kinds = kinds_create()
    parent, child = family(nn="")
    lines = [(d, kinds.care, 200) for d in days(date(2024, 3, 4), 3)]
    pay(invoice_post(parent, child, lines, day=date(2024, 3, 29)), 600, date(2024, 4, 2))
    maximum(2024)
    batch_create(year=2024)
    with pytest.raises(DomainError) as refused:
        filing_of(CertificateBatch.objects.get(), phone="0", contact="A", email="a@example.be")
    assert refused.value.code == "certificates.filing_incomplete"
    assert "Marie Dupont" in refused.value.english()
