"""The yearly file of 281.86 certificates for the tax administration (Belcotax-on-web).

One small interface, :class:`FilingWriter`: a :class:`Filing` (plain values) in, the file's
bytes out. :class:`XmlWriter` writes the XML layout of the income years up to 2024 (form
281.86 in ``Verzendingen/Verzending/Aangiften/Aangifte/Opgaven/Opgave32586/Fiche28186``;
elements in the order of their codes, dates DD-MM-YYYY, amounts in cents). From income year
2025/2026 SPF Finances takes JSON Lines ("BOW 2.0") whose schema was not published where we
could reach it: that writer will be a second class with the same ``write`` (see
docs/certificates.md). Pure: plain values and lxml.

>>> sender = Sender("CPAS de Testville", "Rue de l'Eglise 1", "5000", "Namur", "0212345678",
...                 "081000000", "Service accueil", "accueil@example.be", "fr")
>>> filing = Filing(2024, date(2025, 1, 15), sender, [], test=True)
>>> b"<v0010_bestandtype>BCTEST</v0010_bestandtype>" in XmlWriter().write(filing)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from lxml import etree

# NIS codes of the countries of residence (Belcotax "landwoonplaats").
COUNTRY_CODES = {"BE": "150", "DE": "103", "FR": "111", "LU": "113", "NL": "129"}
LANGUAGE_CODES = {"nl": "1", "fr": "2", "de": "3"}
# Lengths the XSD keeps as comments (its maxLength facets are commented out).
NAME_LENGTH, ADDRESS_LENGTH, CHILD_ADDRESS_LENGTH = 41, 150, 41
# f86_2031: 1 = authorised or subsidised by ONE, Kind en Gezin / Opgroeien or the DG.
CERTIFIED_BY_CHILDCARE_AUTHORITY = 1
# Zones of the four periods: begin, end, days, daily tariff, amount.
PERIOD_ZONES = (
    ("2055_begindate1", "2056_enddate1", "2110_numberofday1", "2111_dailytariff1", "2060_amount1"),
    ("2093_begindate2", "2144_enddate2", "2113_numberofday2", "2115_dailytariff2", "2061_amount2"),
    ("2157_begindate3", "2158_enddate3", "2116_numberofday3", "2117_dailytariff3", "2062_amount3"),
    ("2161_begindate4", "2162_enddate4", "2119_numberofday4", "2120_dailytariff4", "2063_amount4"),
)


@dataclass(frozen=True)
class Sender:
    """The organisation that certifies and files (debtor of the income, in Belcotax terms)."""

    name: str
    street: str
    postcode: str
    city: str
    enterprise_number: str  # 10 digits
    phone: str
    contact: str
    email: str
    language: str  # fr, nl or de


@dataclass(frozen=True)
class SlipPeriod:
    start: date
    end: date
    days: int
    daily_cents: int | None
    amount_cents: int


@dataclass(frozen=True)
class Slip:
    """One certificate as filed ("fiche"): who paid, the child, up to four periods."""

    sequence: int
    reference: str
    national_number: str
    last_name: str
    first_name: str
    street: str
    postcode: str
    city: str
    country: str  # ISO code, e.g. BE
    child_last_name: str
    child_first_name: str
    child_birth_date: date
    child_national_number: str
    periods: Sequence[SlipPeriod]

    @property
    def total_cents(self) -> int:
        return sum(period.amount_cents for period in self.periods)


@dataclass(frozen=True)
class Filing:
    year: int
    created: date
    sender: Sender
    slips: Sequence[Slip]
    test: bool = False


class FilingWriter(Protocol):
    """Turn a filing into the file the tax administration takes."""

    extension: str
    media_type: str

    def write(self, filing: Filing) -> bytes: ...


class XmlWriter:
    """Belcotax-on-web XML, the layout of the income years up to 2024."""

    extension = "xml"
    media_type = "application/xml"

    def write(self, filing: Filing) -> bytes:
        """Return the XML file of ``filing``."""
        root = etree.Element("Verzendingen")
        sending = etree.SubElement(root, "Verzending")
        _fields(sending, _sender_fields(filing))
        declarations = etree.SubElement(sending, "Aangiften")
        declaration = etree.SubElement(declarations, "Aangifte")
        _fields(declaration, _declarant_fields(filing))
        statement = etree.SubElement(etree.SubElement(declaration, "Opgaven"), "Opgave32586")
        for slip in filing.slips:
            fiche = etree.SubElement(statement, "Fiche28186")
            _fields(fiche, _slip_fields(filing, slip))
        count = len(filing.slips)
        sequences = sum(slip.sequence for slip in filing.slips)
        control = sum(2 * slip.total_cents for slip in filing.slips)
        enterprise = filing.sender.enterprise_number
        _fields(
            declaration,
            [
                ("r8002_inkomstenjaar", filing.year),
                ("r8005_registratienummer", enterprise),
                ("r8010_aantalrecords", count + 2),
                ("r8011_controletotaal", sequences),
                ("r8012_controletotaal", control),
                ("r8013_totaalvoorheffingen", 0),
            ],
        )
        _fields(
            sending,
            [
                ("r9002_inkomstenjaar", filing.year),
                ("r9010_aantallogbestanden", 3),
                ("r9011_totaalaantalrecords", count + 4),
                ("r9012_controletotaal", sequences),
                ("r9013_controletotaal", control),
                ("r9014_controletotaal", 0),
            ],
        )
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


WRITERS: dict[str, FilingWriter] = {"xml": XmlWriter()}


def _fields(parent, pairs) -> None:
    for name, value in pairs:
        if value is not None and value != "":
            etree.SubElement(parent, name).text = str(value)


def _day(value: date) -> str:
    return f"{value:%d-%m-%Y}"


def _sender_fields(filing: Filing) -> list:
    sender = filing.sender
    return [
        ("v0002_inkomstenjaar", filing.year),
        ("v0010_bestandtype", "BCTEST" if filing.test else "BELCOTAX"),
        ("v0011_aanmaakdatum", _day(filing.created)),
        ("v0014_naam", sender.name[:NAME_LENGTH]),
        ("v0015_adres", sender.street[:ADDRESS_LENGTH]),
        ("v0016_postcode", sender.postcode),
        ("v0017_gemeente", sender.city),
        ("v0018_telefoonnummer", sender.phone),
        ("v0021_contactpersoon", sender.contact[:NAME_LENGTH]),
        ("v0022_taalcode", LANGUAGE_CODES[sender.language]),
        ("v0023_emailadres", sender.email),
        ("v0024_nationaalnr", sender.enterprise_number),
        ("v0025_typeenvoi", 0),
        ("v0028_landwoonplaats", COUNTRY_CODES["BE"]),
    ]


def _declarant_fields(filing: Filing) -> list:
    sender = filing.sender
    return [
        ("a1002_inkomstenjaar", filing.year),
        ("a1005_registratienummer", sender.enterprise_number),
        ("a1011_naamnl1", sender.name[:NAME_LENGTH]),
        ("a1013_adresnl", sender.street[:ADDRESS_LENGTH]),
        ("a1014_postcodebelgisch", sender.postcode),
        ("a1015_gemeente", sender.city),
        ("a1016_landwoonplaats", COUNTRY_CODES["BE"]),
        ("a1020_taalcode", LANGUAGE_CODES[sender.language]),
    ]


def _slip_fields(filing: Filing, slip: Slip) -> list:
    """Return the zones of one slip, base part then childcare part, each in code order."""
    sender, belgian = filing.sender, slip.country == "BE"
    base = [
        ("f2002_inkomstenjaar", filing.year),
        ("f2005_registratienummer", sender.enterprise_number),
        ("f2008_typefiche", "28186"),
        ("f2009_volgnummer", slip.sequence),
        ("f2010_referentie", slip.reference[:20]),
        ("f2011_nationaalnr", slip.national_number),
        ("f2013_naam", slip.last_name[:NAME_LENGTH]),
        ("f2015_adres", slip.street[:ADDRESS_LENGTH]),
        ("f2016_postcodebelgisch", slip.postcode if belgian else ""),
        ("f2017_gemeente", slip.city),
        ("f2018_landwoonplaats", COUNTRY_CODES[slip.country]),
        ("f2028_typetraitement", 0),
        ("f2029_enkelopgave325", 0),
        ("f2112_buitenlandspostnummer", "" if belgian else slip.postcode),
        ("f2114_voornamen", slip.first_name[:NAME_LENGTH]),
    ]
    zones = {
        "2031_certificationautorisation": CERTIFIED_BY_CHILDCARE_AUTHORITY,
        "2059_totaalcontrole": 2 * slip.total_cents,
        "2064_totalamount": slip.total_cents,
        "2100_certifierpostnr": sender.postcode,
        "2101_childcountry": COUNTRY_CODES[slip.country],
        "2102_childaddress": slip.street[:CHILD_ADDRESS_LENGTH],
        "2106_childname": slip.child_last_name[:NAME_LENGTH],
        "2107_childfirstname": slip.child_first_name[:NAME_LENGTH],
        "2109_certifiercbenumber": sender.enterprise_number,
        "2139_childpostnr": slip.postcode,
        "2140_childmunicipality": slip.city,
        "2153_nnchild": slip.child_national_number,
        "2154_certifiermunicipality": sender.city,
        "2155_certifiername": sender.name[:NAME_LENGTH],
        "2156_certifieradres": sender.street[:ADDRESS_LENGTH],
        "2163_childbirthdate": _day(slip.child_birth_date),
    }
    for period, names in zip(slip.periods, PERIOD_ZONES, strict=False):
        begin, end, days, tariff, amount = names
        zones[begin], zones[end] = _day(period.start), _day(period.end)
        zones[days], zones[amount] = period.days, period.amount_cents
        zones[tariff] = period.daily_cents  # only for days above the daily maximum
    childcare = sorted(zones.items(), key=lambda item: item[0])
    return base + [(f"f86_{code}", value) for code, value in childcare]
