"""Working days in mainland China: holidays and make-up working days (调休) per chinese-calendar,
and for years it does not cover (it raises ``NotImplementedError`` from 2027 on) weekends plus the
office's list in ``config/holidays.toml``. Dates are Asia/Shanghai calendar dates.
"""

from __future__ import annotations

import calendar as _stdcal
import logging
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

import chinese_calendar

log = logging.getLogger(__name__)


def packaged_holidays_path() -> Path:
    """The path of the packaged ``config/holidays.toml``."""
    return Path(str(resources.files("config") / "holidays.toml"))


@dataclass(frozen=True)
class HolidayList:
    """Per year: days off on weekdays and working days on weekends."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    years: frozenset[int] = frozenset()


def load_holiday_list(path: Path | None = None) -> HolidayList:
    """Read ``[YYYY] holidays = [...] workdays = [...]`` tables; a missing or broken file gives an
    empty list (logged), never an exception: the bot must keep running."""
    path = path or packaged_holidays_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        log.error("holiday list %s unreadable (%s): weekends only for uncovered years", path, exc)
        return HolidayList()
    holidays: set[date] = set()
    workdays: set[date] = set()
    years: set[int] = set()
    for key, table in data.items():
        if not (key.isdigit() and isinstance(table, dict)):
            continue
        years.add(int(key))
        for value in table.get("holidays", []):
            if isinstance(value, date):
                holidays.add(value)
        for value in table.get("workdays", []):
            if isinstance(value, date):
                workdays.add(value)
    return HolidayList(frozenset(holidays), frozenset(workdays), frozenset(years))


@dataclass
class WorkCalendar:
    """``is_working_day(d)``; chinese-calendar first, the office's list for the years it lacks.

    The fallback is announced in the log once per year, not on every question.
    """

    fallback: HolidayList = field(default_factory=HolidayList)
    _warned_years: set[int] = field(default_factory=set)

    @classmethod
    def from_file(cls, path: Path | None = None) -> WorkCalendar:
        """The calendar with the office's holiday list at ``path`` (default: the packaged one)."""
        return cls(load_holiday_list(path))

    def is_working_day(self, day: date) -> bool:
        """True when ``day`` is a working day: chinese-calendar's answer, or for years it does not cover
        weekends and the office's list."""
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            return self._fallback_is_working_day(day)

    def _fallback_is_working_day(self, day: date) -> bool:
        if day.year not in self._warned_years:
            self._warned_years.add(day.year)
            if day.year in self.fallback.years:
                log.warning(
                    "chinese-calendar has no data for %d: using weekends and the office's holiday list",
                    day.year,
                )
            else:
                log.warning(
                    "chinese-calendar has no data for %d and config/holidays.toml lists none: "
                    "weekends only until the office adds that year's holidays",
                    day.year,
                )
        if day in self.fallback.workdays:
            return True
        if day in self.fallback.holidays:
            return False
        return day.weekday() < 5

    def last_working_day(self, year: int, month: int) -> date:
        """The last working day of ``year``-``month``."""
        day = date(year, month, _stdcal.monthrange(year, month)[1])
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def first_working_day_on_or_after(self, day: date) -> date:
        """``day`` if it is a working day, else the next one."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def last_working_day_on_or_before(self, day: date) -> date:
        """``day`` if it is a working day, else the one before."""
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day
