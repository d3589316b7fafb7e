"""Working days: chinese-calendar for 2019 (Spring Festival, National Day, make-up days) and the
office's fallback list for 2027, which chinese-calendar does not cover."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest

from reminders.calendar import WorkCalendar, load_holiday_list


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar.from_file()


@pytest.mark.parametrize(("day", "working"), [
    (date(2019, 2, 2), True),    # Saturday, make-up working day before the Spring Festival
    (date(2019, 2, 3), True),    # Sunday, make-up working day
    (date(2019, 2, 4), False),   # 除夕, holiday on a Monday
    (date(2019, 2, 8), False),   # Friday in the Spring Festival holiday
    (date(2019, 2, 11), True),   # first Monday back
    (date(2019, 9, 29), True),   # Sunday, make-up working day before National Day
    (date(2019, 10, 1), False),
    (date(2019, 10, 7), False),  # Monday, still National Day holiday
    (date(2019, 10, 12), True),  # Saturday, make-up working day after National Day
    (date(2019, 10, 13), False),
    (date(2019, 3, 25), True),
])
def test_2019_follows_the_official_holiday_arrangement(cal: WorkCalendar, day: date, working: bool) -> None:
    assert cal.is_working_day(day) is working


def test_last_working_day_skips_the_national_day_and_spring_festival(cal: WorkCalendar) -> None:
    assert cal.last_working_day(2019, 9) == date(2019, 9, 30)
    assert cal.last_working_day(2019, 3) == date(2019, 3, 29)  # 31st is a Sunday
    assert cal.last_working_day(2020, 1) == date(2020, 1, 23)  # Spring Festival 2020 (extended)


def test_2027_uses_weekends_and_the_office_list_and_says_so_once(
        cal: WorkCalendar, caplog: pytest.LogCaptureFixture) -> None:
    fresh = WorkCalendar.from_file()
    with caplog.at_level(logging.WARNING, logger="reminders.calendar"):
        assert fresh.is_working_day(date(2027, 1, 4)) is True     # Monday
        assert fresh.is_working_day(date(2027, 1, 9)) is False    # Saturday
        assert fresh.is_working_day(date(2027, 1, 1)) is False    # 元旦 from config/holidays.toml
        assert fresh.is_working_day(date(2027, 10, 4)) is False   # 国庆, a Monday
        assert fresh.is_working_day(date(2027, 10, 8)) is True
    warnings = [r for r in caplog.records if "2027" in r.getMessage()]
    assert len(warnings) == 1


def test_make_up_days_from_the_office_list_are_working_days(tmp_path: Path) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text("[2028]\nholidays = [2028-01-03]\nworkdays = [2028-01-08]\n", encoding="utf-8")
    cal = WorkCalendar.from_file(path)
    assert cal.is_working_day(date(2028, 1, 3)) is False   # Monday off
    assert cal.is_working_day(date(2028, 1, 8)) is True    # Saturday worked
    assert cal.is_working_day(date(2028, 1, 9)) is False


def test_a_broken_holiday_file_never_crashes(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text("[2027\nholidays = oops", encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="reminders.calendar"):
        listing = load_holiday_list(path)
    assert listing.holidays == frozenset()
    assert WorkCalendar(listing).is_working_day(date(2027, 1, 1)) is True  # weekends only
    assert any("unreadable" in r.getMessage() for r in caplog.records)
