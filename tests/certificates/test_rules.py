"""Certificate rules 281.86 (DOMAIN §10): periods, the daily maximum, the age limit."""

from datetime import date, timedelta

from regie.certificates.rules import (
    Payer,
    Period,
    certificates_of,
    certify,
    limit_date,
    periods_of,
    received_in_year,
)

MAX_2026 = 1640


def days_from(first: date, count: int, cents: int) -> dict[date, int]:
    return {first + timedelta(days=n): cents for n in range(count)}


def payer(days, *, attestable=True, birth=date(2018, 6, 1), disabled=False) -> Payer:
    return Payer("anne", "tom", attestable, birth, disabled, days)


def test_worked_example_15_two_periods_totalling_245():
    """60 days of after-school care for 120.00 and a camp week of 5 days at 25.00 (the meals
    are not deductible, so they never reach the rules): 60 days 120.00, 5 days at 25.00
    125.00, total 245.00."""
    care = days_from(date(2026, 1, 5), 60, 200)
    camp = days_from(date(2026, 7, 6), 5, 2500)
    certificates, problems = certificates_of(payer({**care, **camp}), MAX_2026)
    assert problems == []
    [certificate] = certificates
    assert certificate.periods == (
        Period(date(2026, 1, 5), date(2026, 3, 5), 60, None, 12000),
        Period(date(2026, 7, 6), date(2026, 7, 10), 5, 2500, 12500),
    )
    assert certificate.total_cents == 24500


def test_day_exactly_at_the_maximum_shares_the_period_of_days_under_it():
    days = {date(2026, 3, 2): 1640, date(2026, 3, 3): 100, date(2026, 3, 4): 1641}
    assert periods_of(days, MAX_2026) == [
        Period(date(2026, 3, 2), date(2026, 3, 3), 2, None, 1740),
        Period(date(2026, 3, 4), date(2026, 3, 4), 1, 1641, 1641),
    ]


def test_days_of_one_care_day_are_added_before_the_maximum_applies():
    """The selector adds a day's lines up; a day over the maximum is then listed apart."""
    assert periods_of({date(2026, 3, 2): 1700}, MAX_2026)[0].daily_cents == 1700


def test_more_than_four_periods_give_a_second_certificate():
    days = {date(2026, 7, n): 2000 + n for n in range(1, 7)}  # six tariffs above the maximum
    certificates, _ = certificates_of(payer(days), MAX_2026)
    assert [(c.rank, len(c.periods)) for c in certificates] == [(1, 4), (2, 2)]
    assert sum(c.total_cents for c in certificates) == sum(days.values())


def test_exactly_four_periods_fit_one_certificate():
    days = {date(2026, 7, n): 2000 + n for n in range(1, 5)}
    certificates, _ = certificates_of(payer(days), MAX_2026)
    assert [len(c.periods) for c in certificates] == [4]


def test_child_turning_14_during_the_year_is_certified_until_the_day_before():
    """Born 10/05/2012: care until 09/05/2026 counts, from 10/05/2026 it does not."""
    days = {date(2026, 5, 8): 300, date(2026, 5, 9): 300, date(2026, 5, 10): 300}
    days[date(2026, 6, 1)] = 400
    certificates, problems = certificates_of(payer(days, birth=date(2012, 5, 10)), MAX_2026)
    assert [c.total_cents for c in certificates] == [600]
    [problem] = problems
    assert (problem.code, problem.days, problem.amount_cents) == ("over_age_limit", 2, 700)
    assert problem.limit_date == date(2026, 5, 10)


def test_severe_disability_moves_the_limit_to_21():
    days = {date(2026, 6, 1): 300}
    certificates, problems = certificates_of(
        payer(days, birth=date(2010, 1, 1), disabled=True), MAX_2026
    )
    assert [c.total_cents for c in certificates] == [300] and problems == []
    assert limit_date(date(2010, 1, 1), severe_disability=True) == date(2031, 1, 1)


def test_person_who_paid_but_is_not_attestable_gets_no_certificate_and_a_problem():
    certificates, problems = certificates_of(
        payer(days_from(date(2026, 2, 2), 3, 500), attestable=False), MAX_2026
    )
    assert certificates == []
    assert [(p.code, p.days, p.amount_cents) for p in problems] == [("not_attestable", 3, 1500)]


def test_care_of_december_paid_in_january_counts_in_the_year_of_the_payment():
    """The selector passes the money received in the year, whatever the date of the care."""
    december = days_from(date(2025, 12, 1), 4, 250)
    [certificate], _ = certificates_of(payer(december), MAX_2026)
    assert certificate.periods[0].start == date(2025, 12, 1)
    assert certificate.total_cents == 1000


def test_every_problem_of_every_payer_is_listed_at_once():
    payers = [
        Payer("a", "x", False, date(2018, 1, 1), False, {date(2026, 1, 5): 100}),
        Payer("b", "y", True, date(2000, 1, 1), False, {date(2026, 1, 5): 100}),
    ]
    _, problems = certify(payers, MAX_2026)
    assert [p.code for p in problems] == ["not_attestable", "over_age_limit"]


def test_money_received_before_the_year_paid_the_oldest_lines():
    lines = [("nov", 1000), ("dec", 1000)]
    assert received_in_year(lines, before_cents=1000, during_cents=1000) == {"dec": 1000}
    assert received_in_year(lines, before_cents=400, during_cents=300) == {"nov": 300}
    assert received_in_year(lines, before_cents=0, during_cents=5000) == {"nov": 1000, "dec": 1000}
