"""Validators of Belgian identifiers give clear messages and compact values."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from regie.core import validators


@pytest.mark.parametrize(
    ("raw", "compact"),
    [("0207.451.227", "0207451227"), ("BE 0207 451 227", "0207451227")],
)
def test_valid_enterprise_number_is_compacted(raw, compact):
    """A KBO/BCE number with correct check digits is accepted in any usual spelling."""
    assert validators.clean_enterprise_number(raw) == compact


def test_enterprise_number_with_wrong_check_digits_is_refused_with_an_example():
    with pytest.raises(ValidationError) as exc:
        validators.clean_enterprise_number("0207.451.228")
    assert "0207.451.227" in exc.value.messages[0]


def test_iban_and_bic():
    """IBANs and BICs are checked (check digits, length) and compacted."""
    assert validators.clean_iban("BE68 5390 0754 7034") == "BE68539007547034"
    with pytest.raises(ValidationError):
        validators.clean_iban("BE68 5390 0754 7035")
    assert validators.clean_bic("GKCC BE BB") == "GKCCBEBB"
    with pytest.raises(ValidationError):
        validators.clean_bic("GKCC")


@pytest.mark.parametrize("number", ["85.07.30-033.28", "85073003328", "17.07.30-033.84"])
def test_national_numbers_with_valid_check_digits(number):
    """National register numbers (born before and after 2000) are accepted."""
    assert len(validators.clean_national_number(number)) == 11


def test_bis_number_is_accepted():
    """A BIS number (month + 20 or + 40) is accepted as well."""
    assert validators.clean_national_number("85.27.30-033.71") == "85273003371"


def test_national_number_with_wrong_check_digits_is_refused_in_french():
    """The message names the wrong value and says what a number looks like, in French."""
    with translation.override("fr"), pytest.raises(ValidationError) as exc:
        validators.clean_national_number("85.07.30-033.29")
    message = exc.value.messages[0]
    assert "85.07.30-033.29" in message
    assert "11" in message


def test_masking_shows_only_the_check_digits():
    assert validators.mask_national_number("85073003328") == "••.••.••-•••.28"
    assert validators.format_national_number("85073003328") == "85.07.30-033.28"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("081 24 60 00", "+32 81 24 60 00"),
        ("0470/12.34.56", "+32 470 12 34 56"),
        ("+32 2 279 22 11", "+32 2 279 22 11"),
        ("0033 1 42 68 53 00", "+33 1 42 68 53 00"),
    ],
)
def test_phone_numbers_are_belgian_by_default_and_stored_in_international_form(typed, stored):
    assert validators.clean_phone(typed) == stored


@pytest.mark.parametrize("typed", ["12", "0470 12 34", "téléphone", "+32 999 99 99 99 99"])
def test_an_impossible_phone_number_is_refused_with_an_example(typed):
    with translation.override("fr"), pytest.raises(ValidationError) as exc:
        validators.clean_phone(typed)
    assert typed in exc.value.messages[0] and "081 24 60 00" in exc.value.messages[0]


def test_a_national_phone_number_follows_the_persons_country():
    assert validators.clean_phone("01 42 68 53 00", "FR") == "+33 1 42 68 53 00"
