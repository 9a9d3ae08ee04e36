"""Specification of the pure pricing rules (DOMAIN §2), worked examples included."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regie.activities.coverage import CoverageGap, coverage_gaps
from regie.activities.positions import RankedChild, child_positions
from regie.activities.pricing import (
    DAY_MINUTES,
    NONE_CATEGORY,
    Charge,
    DayLine,
    Price,
    PricedAttendance,
    applicable_price,
    attendance_amount,
    change_price_from,
    day_charges,
    find_price,
    format_period,
    overlapping_prices,
    parse_period,
)
from regie.core.errors import DomainError

MORNING, EVENING = 1, 2


def price(
    id=1,
    *,
    name="0.50 / 30 min",
    activities=(EVENING,),
    period=30,
    unit=50,
    maximum=0,
    valid_from=date(2025, 1, 1),
    valid_to=None,
    positions=(),
    categories=(),
    cumulative=False,
):
    return Price(
        id,
        name,
        frozenset(activities),
        period,
        unit,
        maximum,
        valid_from,
        valid_to,
        frozenset(positions),
        frozenset(categories),
        cumulative,
    )


# -- Worked examples -------------------------------------------------------------------------


def test_example_1_four_minutes_cost_one_started_period():
    """A 4-minute attendance at 0.50 per started 30 min costs one period, 0.50."""
    assert attendance_amount(price(), 4) == Charge(periods=1, unit_cents=50, amount_cents=50)


def test_example_2_ninety_five_minutes_cost_four_periods_capped_by_the_maximum():
    """95 minutes at 0.50 per started 30 min cost 4 periods, 2.00; with a 1.50 maximum, 1.50."""
    assert attendance_amount(price(), 95) == Charge(4, 50, 200)
    assert attendance_amount(price(maximum=150), 95) == Charge(4, 50, 150)


def test_example_3_free_start_of_year_price_then_paying_price():
    """Morning care costs 0.00 on 26/08/2025 (free price) and 1.50 on 27/08/2025."""
    prices = [
        price(
            1,
            name="free at the start of the school year",
            activities=[MORNING],
            period=parse_period("24:00"),
            unit=0,
            valid_from=date(2025, 8, 24),
            valid_to=date(2025, 8, 26),
        ),
        price(2, activities=[MORNING], valid_from=date(2025, 8, 27), valid_to=date(2031, 12, 25)),
    ]
    minutes = 80  # 07:00–08:20
    free = applicable_price(prices, MORNING, date(2025, 8, 26), 1, NONE_CATEGORY)
    paying = applicable_price(prices, MORNING, date(2025, 8, 27), 1, NONE_CATEGORY)
    assert attendance_amount(free, minutes) == Charge(1, 0, 0)
    assert attendance_amount(paying, minutes) == Charge(3, 50, 150)


def test_example_4_price_rise_ends_the_old_price_the_day_before():
    """Changing 0.50 to 0.65 from 25/08/2025 splits the year; 45 minutes cost 1.00 then 1.30."""
    old = price(valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31))
    ended, new = change_price_from(old, date(2025, 8, 25), 65)
    assert (ended.valid_from, ended.valid_to, ended.unit_cents) == (
        date(2025, 1, 1),
        date(2025, 8, 24),
        50,
    )
    assert (new.valid_from, new.valid_to, new.unit_cents) == (
        date(2025, 8, 25),
        date(2025, 12, 31),
        65,
    )
    prices = [ended, dataclasses.replace(new, id=2)]
    before = applicable_price(prices, EVENING, date(2025, 8, 22), 1, NONE_CATEGORY)
    after = applicable_price(prices, EVENING, date(2025, 8, 25), 1, NONE_CATEGORY)
    assert attendance_amount(before, 45).amount_cents == 100
    assert attendance_amount(after, 45).amount_cents == 130


def test_example_5_two_prices_on_the_same_day_are_ambiguous_and_refused_on_save():
    """Billing reports "ambiguous price" naming both prices; saving the second is refused."""
    first = price(10, name="Evening")
    second = price(44, name="Evening bis", valid_from=date(2025, 9, 1))
    found, errors = find_price([first, second], EVENING, date(2025, 10, 1), 1, NONE_CATEGORY)
    assert found is None
    assert [e.code for e in errors] == ["pricing.ambiguous"]
    assert "“Evening” (#10)" in errors[0].english()
    assert "“Evening bis” (#44)" in errors[0].english()
    assert errors[0].params["price_ids"] == (10, 44)
    assert overlapping_prices(second, [first]) == [first]


def test_example_6_price_for_first_children_only_misses_positions_2_and_3():
    """A price for position 1 only: the 2nd and 3rd child get "missing price", category none."""
    morning_care = price(activities=[MORNING], positions=[1])
    family = [
        RankedChild(11, date(2015, 2, 1), "Alice", frozenset({100})),
        RankedChild(12, date(2017, 6, 1), "Basile", frozenset({100})),
        RankedChild(13, date(2019, 9, 1), "Chloé", frozenset({100})),
    ]
    positions = child_positions(family)
    day = date(2025, 10, 1)
    errors = []
    for child in family:
        _, found = find_price(
            [morning_care],
            MORNING,
            day,
            positions[100, child.id],
            NONE_CATEGORY,
            activity_name="Accueil matin",
        )
        errors += found
    assert [(e.code, e.params["position"]) for e in errors] == [
        ("pricing.missing", 2),
        ("pricing.missing", 3),
    ]
    assert errors[0].english() == (
        "Missing price for Accueil matin: position 2, tariff category none, date 01/10/2025."
    )


def test_example_9_cumulative_price_adds_up_the_day_before_counting_periods():
    """10 + 40 minutes under one cumulative price cost 2 periods, 1.00 (1.50 without it)."""
    cumulative = price(activities=[MORNING, EVENING], cumulative=True)
    day = [
        PricedAttendance(MORNING, 10, cumulative),
        PricedAttendance(EVENING, 40, cumulative),
    ]
    lines = day_charges(day)
    assert lines == [
        DayLine(MORNING, 1, 10, 2, 50, 100, True),
        DayLine(EVENING, 1, 40, 0, 50, 0, True),
    ]
    separate = price(activities=[MORNING, EVENING])
    lines = day_charges([item._replace(price=separate) for item in day])
    assert [line.amount_cents for line in lines] == [50, 100]


# -- Which price applies ---------------------------------------------------------------------


def test_missing_price_raises_with_code_and_names_the_date():
    """``applicable_price`` raises ``pricing.missing`` when no price applies."""
    with pytest.raises(DomainError) as caught:
        applicable_price([price()], MORNING, date(2025, 3, 3), 1, NONE_CATEGORY)
    assert caught.value.code == "pricing.missing"
    assert "03/03/2025" in caught.value.english()


def test_empty_positions_and_categories_mean_any():
    """A price with no positions and no categories applies to every child."""
    assert price().applies_to(EVENING, date(2025, 5, 5), 7, 3)
    assert price().applies_to(EVENING, date(2025, 5, 5), 1, NONE_CATEGORY)


def test_none_category_member_matches_only_children_without_category():
    """The ``NONE_CATEGORY`` member matches children without category, not the others."""
    plain = price(categories=[NONE_CATEGORY])
    assert plain.applies_to(EVENING, date(2025, 5, 5), 1, NONE_CATEGORY)
    assert not plain.applies_to(EVENING, date(2025, 5, 5), 1, 4)


def test_validity_dates_are_inclusive():
    """A price applies on its first and last day, not the day after."""
    bounded = price(valid_from=date(2025, 1, 1), valid_to=date(2025, 1, 31))
    assert bounded.is_valid_on(date(2025, 1, 1)) and bounded.is_valid_on(date(2025, 1, 31))
    assert not bounded.is_valid_on(date(2025, 2, 1))


def test_invalid_price_values_are_refused():
    """A zero period, a negative amount or an end before the start is a domain error."""
    for kwargs in ({"period": 0}, {"unit": -1}, {"valid_to": date(2024, 1, 1)}):
        with pytest.raises(DomainError):
            price(**kwargs)


def test_period_is_typed_as_hours_and_minutes():
    """Periods read and print as HH:MM, 24:00 meaning one day."""
    assert parse_period("00:30") == 30
    assert parse_period("24:00") == DAY_MINUTES
    assert format_period(90) == "01:30"
    with pytest.raises(DomainError):
        parse_period("half an hour")


# -- Amounts ---------------------------------------------------------------------------------


def test_zero_minutes_still_count_one_period():
    """Any attendance counts at least one period, even 0 minutes."""
    assert attendance_amount(price(), 0) == Charge(1, 50, 50)


def test_cumulative_maximum_caps_the_whole_day():
    """Under a cumulative price the maximum caps the day, not each attendance."""
    capped = price(activities=[MORNING, EVENING], maximum=150, cumulative=True)
    lines = day_charges(
        [PricedAttendance(MORNING, 90, capped), PricedAttendance(EVENING, 120, capped)]
    )
    assert sum(line.amount_cents for line in lines) == 150


def test_day_mixes_cumulative_and_plain_prices():
    """Plain prices are charged per attendance next to a cumulated group."""
    cumulative = price(1, activities=[MORNING, EVENING], cumulative=True)
    meal = price(2, activities=[3], period=DAY_MINUTES, unit=350)
    lines = day_charges(
        [
            PricedAttendance(MORNING, 20, cumulative),
            PricedAttendance(3, 30, meal),
            PricedAttendance(EVENING, 20, cumulative),
        ]
    )
    assert [line.amount_cents for line in lines] == [100, 350, 0]


# -- Keeping the price list consistent -------------------------------------------------------


def test_prices_for_disjoint_positions_do_not_overlap():
    """Prices for position 1 and positions 2–3 may share activity and dates."""
    first = price(1, positions=[1])
    others = price(2, positions=[2, 3])
    assert overlapping_prices(others, [first]) == []
    assert overlapping_prices(price(3), [first, others]) == [first, others]


def test_prices_in_disjoint_periods_or_activities_do_not_overlap():
    """Consecutive validity periods or different activities never overlap."""
    old = price(1, valid_to=date(2025, 8, 24))
    assert overlapping_prices(price(2, valid_from=date(2025, 8, 25)), [old]) == []
    assert overlapping_prices(price(3, activities=[MORNING]), [old]) == []


def test_editing_a_price_does_not_overlap_itself():
    """The saved version of the price being edited is not an overlap."""
    assert overlapping_prices(price(5), [price(5, unit=60)]) == []


def test_change_price_from_its_first_day_is_refused():
    """A change on the start date (or after the end) is refused: edit the price instead."""
    old = price(valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31))
    for day in (date(2025, 1, 1), date(2026, 1, 1)):
        with pytest.raises(DomainError) as caught:
            change_price_from(old, day, 65)
        assert caught.value.code == "pricing.change_date"


def test_coverage_gaps_compress_missing_days_into_ranges():
    """Missing days become one range per (activity, position, category), across closed days."""
    prices = [price(activities=[MORNING], positions=[1], valid_to=date(2025, 9, 3))]
    weekdays = [date(2025, 9, 1) + timedelta(days=n) for n in range(12)]
    open_days = [d for d in weekdays if d.weekday() < 5]
    gaps = coverage_gaps(
        prices, {MORNING: open_days}, [1, 2], [NONE_CATEGORY], date(2025, 9, 1), date(2025, 9, 30)
    )
    assert gaps == [
        CoverageGap(MORNING, 1, NONE_CATEGORY, date(2025, 9, 4), date(2025, 9, 12)),
        CoverageGap(MORNING, 2, NONE_CATEGORY, date(2025, 9, 1), date(2025, 9, 12)),
    ]
    assert gaps[0].error().code == "pricing.missing"
    assert "04/09/2025–12/09/2025" in gaps[0].error().english()


def test_coverage_gaps_report_ambiguous_ranges_with_the_prices():
    """A range where two prices apply is reported with both price ids."""
    prices = [price(1), price(2, valid_from=date(2025, 9, 2))]
    days = [date(2025, 9, 1), date(2025, 9, 2), date(2025, 9, 3)]
    gaps = coverage_gaps(prices, {EVENING: days}, [1], [5], date(2025, 9, 1), date(2025, 9, 3))
    assert gaps == [CoverageGap(EVENING, 1, 5, date(2025, 9, 2), date(2025, 9, 3), (1, 2))]
    assert gaps[0].error(prices).code == "pricing.ambiguous"


# -- Child positions -------------------------------------------------------------------------


def test_positions_rank_oldest_first_among_active_children_per_billable_person():
    """Inactive children do not count; a child with two billable persons is ranked per person."""
    children = [
        RankedChild(3, date(2019, 1, 1), "Cara", frozenset({1, 2})),
        RankedChild(1, date(2015, 1, 1), "Adam", frozenset({1})),
        RankedChild(2, date(2013, 1, 1), "Ben", frozenset({1}), active=False),
    ]
    assert child_positions(children) == {(1, 1): 1, (1, 3): 2, (2, 3): 1}


def test_twins_are_ranked_by_name_then_id():
    """Children born the same day are ranked by name, then by id."""
    born = date(2018, 4, 4)
    twins = [
        RankedChild(9, born, "Zoé", frozenset({1})),
        RankedChild(8, born, "Adèle", frozenset({1})),
        RankedChild(7, born, "Adèle", frozenset({1})),
    ]
    assert child_positions(twins) == {(1, 7): 1, (1, 8): 2, (1, 9): 3}


# -- Properties ------------------------------------------------------------------------------

prices_st = st.builds(
    price,
    period=st.integers(1, DAY_MINUTES),
    unit=st.integers(0, 5_000),
    maximum=st.integers(0, 20_000),
)


@given(prices_st, st.integers(0, 3_000), st.integers(0, 3_000))
def test_amount_is_monotone_in_minutes(value, a, b):
    """More minutes never cost less."""
    low, high = sorted((a, b))
    assert attendance_amount(value, low).amount_cents <= attendance_amount(value, high).amount_cents


@given(prices_st, st.integers(0, 3_000))
def test_amount_is_between_one_unit_and_the_maximum(value, minutes):
    """An attendance costs at least one unit price (or the maximum) and never more than it."""
    amount = attendance_amount(value, minutes).amount_cents
    if value.maximum_cents:
        assert amount <= value.maximum_cents
        assert amount >= min(value.unit_cents, value.maximum_cents)
    else:
        assert amount >= value.unit_cents


@given(prices_st, st.lists(st.integers(0, 600), min_size=1, max_size=6))
def test_cumulated_day_never_costs_more_than_separate_attendances(value, minutes):
    """Adding up the day's minutes never costs more than charging each attendance."""
    cumulative = dataclasses.replace(value, cumulative=True)
    day = [PricedAttendance(EVENING, m, cumulative) for m in minutes]
    cumulated = sum(line.amount_cents for line in day_charges(day))
    separate = sum(attendance_amount(value, m).amount_cents for m in minutes)
    assert cumulated <= separate
    assert cumulated == attendance_amount(value, sum(minutes)).amount_cents


@given(
    st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    st.integers(1, 2_000),
    st.one_of(st.none(), st.integers(1, 2_000)),
    st.integers(1, 2_000),
)
def test_change_price_from_leaves_no_gap_and_no_overlap(start, length, rest, offset):
    """After a change, every day of the old validity has exactly one of the two prices."""
    valid_to = None if rest is None else start + timedelta(days=length + rest)
    old = price(valid_from=start, valid_to=valid_to)
    day = start + timedelta(days=min(offset, length))
    ended, new = change_price_from(old, day, 65)
    new = dataclasses.replace(new, id=2)
    assert not overlapping_prices(new, [ended])
    assert ended.valid_to == new.valid_from - timedelta(days=1)
    assert new.valid_to == old.valid_to
    for probe in (start, day - timedelta(days=1), day, valid_to or day + timedelta(days=400)):
        found, errors = find_price([ended, new], EVENING, probe, 1, NONE_CATEGORY)
        assert not errors and found is not None
