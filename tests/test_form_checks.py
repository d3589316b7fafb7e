"""Answer checks of the forms (附件1/附件2 rules): phones, dates, counts, amounts, areas."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.forms import checks
from bot.forms.dates import parse_date
from bot.forms.spec import load_form

TODAY = date(2018, 10, 15)
HAZARD = load_form("hazard")
INSPECTION = load_form("inspection")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13912345678", "13912345678"),
        ("139 1234 5678", "13912345678"),
        ("+86 139-1234-5678", "13912345678"),
        ("8613912345678", "13912345678"),
        ("010-65001234", "010-65001234"),
        ("(010)65001234", "010-65001234"),
        ("65001234", "010-65001234"),
        ("010-65001234-806", "010-65001234-806"),
        ("０１０－６５００１２３４", "010-65001234"),
    ],
)
def test_mainland_mobiles_and_beijing_landlines_are_accepted_and_normalised(typed: str, stored: str) -> None:
    assert checks.parse_phone(typed) == stored


@pytest.mark.parametrize("typed", ["1391234567a", "phone", "12345", "12912345678", "021-65001234", "010-0500123"])
def test_other_phones_are_refused(typed: str) -> None:
    with pytest.raises(checks.Rejected) as info:
        checks.parse_phone(typed)
    assert info.value.code == "bad_phone"


DATES_AS_TYPED = {  # a date → the ways people type it (today is 2018-10-15)
    date(2018, 10, 15): ["2018-10-15", "2018/10/15", "20181015", "2018年10月15日", "10月15日", "10-15", "今天",
                         "２０１８－１０－１５"],
    date(2018, 10, 5): ["2018.10.5"],
    date(2018, 10, 16): ["明天", "Tomorrow"],
    date(2018, 10, 14): ["昨天"],
}


@pytest.mark.parametrize(("typed", "expected"), [(t, d) for d, typed in DATES_AS_TYPED.items() for t in typed])
def test_dates_are_read_as_people_type_them(typed: str, expected: date) -> None:
    assert parse_date(typed, TODAY) == expected


@pytest.mark.parametrize("typed", ["2月30日", "2018-13-01", "next week", "15/10/2018", ""])
def test_impossible_or_unreadable_dates_read_as_nothing(typed: str) -> None:
    assert parse_date(typed, TODAY) is None


def test_inspection_date_may_not_be_in_the_future() -> None:
    spec = INSPECTION.field("inspected_on")
    assert checks.parse_date_answer(spec, "今天", TODAY) == "2018-10-15"
    with pytest.raises(checks.Rejected) as info:
        checks.parse_date_answer(spec, "明天", TODAY)
    assert info.value.code == "date_in_future"


def test_deadline_must_be_after_today() -> None:
    spec = HAZARD.field("deadline")
    assert checks.parse_date_answer(spec, "2018-12-31", TODAY) == "2018-12-31"
    for typed, code in (("今天", "date_not_after_today"), ("2018-10-01", "date_in_past"), ("昨天", "date_in_past")):
        with pytest.raises(checks.Rejected) as info:
            checks.parse_date_answer(spec, typed, TODAY)
        assert info.value.code == code, typed


def test_counts_are_whole_numbers_within_their_range() -> None:
    inspectors = INSPECTION.field("inspector_count")
    assert checks.parse_integer(inspectors, "3") == 3
    assert checks.parse_integer(inspectors, "３人") == 3
    for typed, code in (("0", "too_small"), ("-2", "too_small"), ("2.5", "not_integer"), ("三", "not_integer")):
        with pytest.raises(checks.Rejected) as info:
            checks.parse_integer(inspectors, typed)
        assert info.value.code == code
    assert checks.parse_integer(HAZARD.field("occupant_count"), "0") == 0


def test_fines_are_non_negative_wan_yuan_with_at_most_four_decimals() -> None:
    fine = INSPECTION.field("fine_amount")
    assert checks.parse_decimal(fine, "0.5", {}) == "0.5"
    assert checks.parse_decimal(fine, "1.2345万元", {}) == "1.2345"
    assert checks.parse_decimal(fine, "2", {}) == "2"
    for typed, code in (("1.23456", "too_many_decimals"), ("-1", "too_small"), ("abc", "not_decimal"), ("NaN", "not_decimal")):
        with pytest.raises(checks.Rejected) as info:
            checks.parse_decimal(fine, typed, {})
        assert info.value.code == code


def test_demolished_area_cannot_exceed_the_illegal_area() -> None:
    demolished = HAZARD.field("demolished_area")
    assert checks.parse_decimal(demolished, "80", {"illegal_area": "120.5"}) == "80"
    assert checks.parse_decimal(demolished, "120.5", {"illegal_area": "120.5"}) == "120.5"
    with pytest.raises(checks.Rejected) as info:
        checks.parse_decimal(demolished, "121", {"illegal_area": "120.5"})
    assert info.value.code == "exceeds_field"


def test_a_number_takes_only_its_own_units_words_and_plain_digits() -> None:
    area, fine = HAZARD.field("illegal_area"), INSPECTION.field("fine_amount")
    ratio = load_form("plan").field("verification_ratio")
    for typed, value in ((" 12 平方米 ", "12"), ("12平米", "12"), ("12M2", "12"), ("12㎡", "12"), ("１２．５", "12.5"),
                         ("12 平 方 米", "12"),
                         ("1,000.5", "1000.5"), ("+3", "3"), (".5", "0.5"), ("5.", "5")):
        assert checks.parse_decimal(area, typed, {}) == value, typed
    assert checks.parse_decimal(fine, "１２．５万元", {}) == "12.5" and checks.parse_decimal(fine, "3 万", {}) == "3"
    assert checks.parse_decimal(fine, "12万 元", {}) == "12" and checks.parse_decimal(fine, "12萬元", {}) == "12"
    assert checks.parse_decimal(ratio, "10.5%", {}) == "10.5" and checks.parse_decimal(ratio, "10.5％", {}) == "10.5"
    for spec, typed in ((area, "1，5"), (area, "1,5"), (area, "12,34,567"), (area, "1 2 3"), (area, "1e3"),
                        (area, "Infinity"), (area, "1_000"), (area, "一百"), (area, "12 元")):
        with pytest.raises(checks.Rejected) as info:
            checks.parse_decimal(spec, typed, {})
        assert info.value.code == "not_decimal", typed
    for spec, typed, unit in ((area, "3万", "m2"), (area, "12万元", "m2"), (fine, "12平方米", "wan_yuan"),
                              (fine, "12㎡", "wan_yuan"), (fine, "10%", "wan_yuan")):
        with pytest.raises(checks.Rejected) as info:  # a word of another unit: the field's own unit is named
            checks.parse_decimal(spec, typed, {})
        assert (info.value.code, info.value.params) == ("wrong_unit", {"unit": unit}), typed


def test_text_length_limits() -> None:
    spec = replace(HAZARD.field("description"), max_length=10)
    assert checks.parse_text(spec, "  消防通道堵塞  ") == "消防通道堵塞"
    with pytest.raises(checks.Rejected):
        checks.parse_text(spec, "短")
    with pytest.raises(checks.Rejected):
        checks.parse_text(spec, "很" * 11)


def test_a_year_less_day_leans_to_the_side_the_question_wants() -> None:
    today = date(2027, 1, 3)
    assert parse_date("12月28日", today, past=True) == date(2026, 12, 28)
    assert parse_date("1月2日", today, past=True) == date(2027, 1, 2)
    assert parse_date("12月28日", today) == date(2027, 12, 28)
    assert parse_date("1月2日", today, future=True) == date(2028, 1, 2)
