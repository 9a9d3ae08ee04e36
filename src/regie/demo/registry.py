"""Build the demo commune's registry: schools, classes, tariff categories, families."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from regie.core.models import Language, Organisation
from regie.demo import names
from regie.demo.identifiers import belgian_iban, national_number
from regie.people.models import (
    Child,
    ChildPerson,
    Delivery,
    Level,
    Person,
    Relationship,
    SchoolClass,
    SchoolSite,
    TariffCategory,
)
from regie.people.services import class_save, site_save, tariff_category_save

LEVEL_AGE = {  # age on 1 September of the school year
    Level.M1: 3,
    Level.M2: 4,
    Level.M3: 5,
    Level.P1: 6,
    Level.P2: 7,
    Level.P3: 8,
    Level.P4: 9,
    Level.P5: 10,
    Level.P6: 11,
}


@dataclass
class RegistryStats:
    sites: int = 0
    classes: int = 0
    children: int = 0
    persons: int = 0
    without_attestable: int = 0


def school_year_start(today: dt.date) -> dt.date:
    year = today.year if today.month >= 9 else today.year - 1
    return dt.date(year, 9, 1)


def build_registry(org: Organisation, *, children: int, seed: int, today: dt.date) -> RegistryStats:
    """Create schools, classes, categories and families totalling about ``children`` children."""
    rng = random.Random(seed)
    stats = RegistryStats()
    sites = [
        SchoolSite(organisation=org, name=n, street=s, postcode=p, city=c)
        for n, s, p, c in names.SCHOOLS
    ]
    for site in sites:
        site_save(site=site)
    classes = [
        SchoolClass(organisation=org, site=site, name=f"{level.label} {letter}", level=level)
        for site in sites
        for level in LEVEL_AGE
        for letter in ("A", "B")[: 1 + (site is sites[0])]
    ]
    for school_class in classes:
        class_save(school_class=school_class)
    categories = [
        TariffCategory(organisation=org, name="CPAS", code="cpas"),
        TariffCategory(organisation=org, name="Personnel communal", code="staff"),
        TariffCategory(organisation=org, name="Famille nombreuse", code="large-family"),
    ]
    for category in categories:
        tariff_category_save(category=category)
    stats.sites, stats.classes = len(sites), len(classes)
    start = school_year_start(today)
    kids, persons, links = [], [], []
    serial = 1
    while len(kids) < children:
        family = _family(rng, org, start, classes, categories, serial)
        serial += 10
        kids.extend(family[0])
        persons.extend(family[1])
        links.extend(family[2])
    Child.objects.bulk_create(kids)
    Person.objects.bulk_create(persons)
    for link in links:  # the objects now have primary keys
        link.child_id, link.person_id = link.child.pk, link.person.pk
    ChildPerson.objects.bulk_create(links)
    stats.children, stats.persons = len(kids), len(persons)
    attestable = {link.child.pk for link in links if link.attestable}
    stats.without_attestable = sum(1 for kid in kids if kid.pk not in attestable)
    return stats


def _family(rng, org, start, classes, categories, serial):
    """Return (children, persons, links) of one household."""
    surname = rng.choice(names.SURNAMES)
    shape = rng.random()
    language = rng.choices([Language.FR, Language.NL, Language.DE], [88, 9, 3])[0]
    household = serial // 10  # even a small demo has Dutch- and German-speaking families
    if household % 12 == 3:
        language = Language.DE if household % 24 == 3 else Language.NL
    village = rng.choice(names.VILLAGES)
    street = f"{rng.choice(names.STREETS)} {rng.randint(1, 180)}"
    parents = []
    n_parents = 2 if shape < 0.68 else 1
    for i in range(n_parents):
        female = (i == 0) != (rng.random() < 0.1)
        given = rng.choice(names.GIVEN_ADULT_F if female else names.GIVEN_ADULT_M)
        last = surname if i == 0 or rng.random() < 0.5 else rng.choice(names.SURNAMES)
        by_email = rng.random() < 0.65
        birth = dt.date(rng.randint(1975, 1995), rng.randint(1, 12), rng.randint(1, 28))
        parents.append(
            Person(
                organisation=org,
                last_name=last,
                first_name=given,
                street=street,
                postcode=village[0],
                city=village[1],
                email=f"{_ascii(given)}.{_ascii(last)}{serial + i}@example.be",
                phone=f"+32 47{rng.randint(0, 9)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                f"{rng.randint(10, 99)}",
                language=language,
                delivery=Delivery.EMAIL if by_email else Delivery.POST,
                national_number=national_number(birth, serial + i) if rng.random() < 0.4 else "",
                iban=belgian_iban(serial * 7 + i) if rng.random() < 0.3 else "",
            )
        )
        parents[-1]._female = female
    category = None
    if rng.random() < 0.12:
        category = rng.choice(categories)
    n_children = rng.choices([1, 2, 3, 4], [45, 38, 13, 4])[0]
    levels = sorted(rng.sample(list(LEVEL_AGE), n_children), key=lambda lv: LEVEL_AGE[lv])
    site = rng.choice(classes).site
    site_classes = [c for c in classes if c.site is site]
    kids, links = [], []
    for offset, level in enumerate(levels):
        age = LEVEL_AGE[level]
        birth = dt.date(start.year - age - 1, 9, 1) + dt.timedelta(days=rng.randint(0, 364))
        klass = rng.choice([c for c in site_classes if c.level == level])
        female = rng.random() < 0.5
        kid = Child(
            organisation=org,
            last_name=surname,
            first_name=rng.choice(names.GIVEN_GIRLS if female else names.GIVEN_BOYS),
            birth_date=birth,
            national_number=national_number(birth, serial + 2 + offset)
            if rng.random() < 0.5
            else "",
            site=klass.site,
            school_class=klass,
            level=klass.level,
            tariff_category=category,
        )
        kids.append(kid)
        no_attestable = rng.random() < 0.03
        for j, parent in enumerate(parents):
            links.append(
                ChildPerson(
                    organisation=org,
                    child=kid,
                    person=parent,
                    relationship=Relationship.MOTHER if parent._female else Relationship.FATHER,
                    billable=j == 0 or rng.random() < 0.5,
                    attestable=j == 0 and not no_attestable,
                    custodial=True,
                )
            )
    return kids, parents, links


def _ascii(text: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())
