"""Citizen ID numbers (公民身份号码): parsing, legacy numbers, consistency with the record."""
from datetime import date

import pytest

from partyorg.domain import idnumber
from partyorg.domain.errors import DomainError

TODAY = date(2026, 11, 27)


def valid_id(area: str, birth: date, sequence: int) -> str:
    """A correct 18-digit number (ric.calc_check_digit expects the number with a check place)."""
    body = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return body + idnumber.ric.calc_check_digit(body + "0")


def test_make_number_builds_numbers_parse_accepts():
    idnumber.parse(idnumber.make_number("620202", date(1960, 5, 17), 11), TODAY)


def test_valid_18_digit_number():
    number = valid_id("620202", date(1960, 5, 17), 11)
    parsed = idnumber.parse(number, TODAY)
    assert parsed.number == number
    assert parsed.birth_date == date(1960, 5, 17)
    assert parsed.gender == "male"
    assert parsed.legacy is False


def test_wrong_check_digit_is_refused():
    number = valid_id("620202", date(1960, 5, 17), 11)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(DomainError) as err:
        idnumber.parse(wrong, TODAY)
    assert err.value.field == "id_number"
    assert "校验位" in err.value.message


def test_legacy_15_digit_number():
    parsed = idnumber.parse("620202600517113", TODAY)
    assert parsed.legacy is True
    assert parsed.birth_date == date(1960, 5, 17)
    assert parsed.gender == "male"  # last digit odd


def test_old_member_with_a_younger_area_code_is_accepted():
    """110119 (延庆) was created after 1950; codes are given at issue, so this is a valid number."""
    number = valid_id("110119", date(1950, 1, 1), 11)
    parsed = idnumber.parse(number, TODAY)
    assert parsed.birth_date == date(1950, 1, 1)


@pytest.mark.parametrize("body", ["62020219601317", "62020219600230", "62020221000101"])
def test_bad_or_future_birth_dates_are_refused(body):
    number = body + "011"
    number += idnumber.ric.calc_check_digit(number + "0")
    with pytest.raises(DomainError):
        idnumber.parse(number, TODAY)


@pytest.mark.parametrize("value", ["12345", "6202021960051701", "62020219600517011Y", "62020260051711A"])
def test_wrong_shape_is_refused(value):
    with pytest.raises(DomainError):
        idnumber.parse(value, TODAY)


def test_lower_case_x_is_upper_cased_and_blanks_removed():
    parsed = idnumber.parse(" 62020219700308001x ", TODAY)
    assert parsed.number == "62020219700308001X"
    assert parsed.gender == "male"  # sequence 001: odd


@pytest.mark.parametrize("sequence,gender", [(11, "male"), (12, "female"), (999, "male"), (100, "female")])
def test_gender_from_sequence_parity(sequence, gender):
    parsed = idnumber.parse(valid_id("620202", date(1980, 1, 2), sequence), TODAY)
    assert parsed.gender == gender


def test_birth_date_and_gender_must_agree():
    parsed = idnumber.parse(valid_id("620202", date(1980, 1, 2), 11), TODAY)
    idnumber.check_consistent(parsed, date(1980, 1, 2), "male")
    with pytest.raises(DomainError) as err:
        idnumber.check_consistent(parsed, date(1980, 1, 3), "male")
    assert err.value.field == "birth_date"
    with pytest.raises(DomainError) as err:
        idnumber.check_consistent(parsed, date(1980, 1, 2), "female")
    assert err.value.field == "gender"
