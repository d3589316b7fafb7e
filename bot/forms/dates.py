"""Dates as people type them on a phone: ``2018-10-15``, ``2018/10/15``, ``2018.10.15``, ``20181015``,
``2018年10月15日``, ``10月15日``, ``10-15``, ``今天``/``明天``/``昨天``/``后天`` and English
``today``/``tomorrow``/``yesterday``. Year-less dates take the year of ``today``, except for a question
that wants a future date (a deadline): there a month-day already past this year means next year's; and for one
that wants a past date (an inspection's day): there a month-day still ahead this year means last year's."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

_RELATIVE = {
    "今天": 0, "今日": 0, "today": 0,
    "明天": 1, "明日": 1, "tomorrow": 1,
    "后天": 2,
    "昨天": -1, "昨日": -1, "yesterday": -1,
    "前天": -2,
}  # fmt: skip

_FULL = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SHORT = re.compile(r"^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def parse_date(text: str, today: date, *, future: bool = False, past: bool = False) -> date | None:
    """The date ``text`` names, or None when it names none (including impossible dates like 2月30日).

    ``today`` is the Asia/Shanghai date used for relative words and year-less dates. With ``future`` (a
    deadline, which must lie ahead) a year-less month-day before today is next year's: ``10月15日`` typed
    on 2026-12-07 is 2027-10-15. Today itself stays today's, so a deadline question can refuse it. With
    ``past`` (a day that has been: an inspection, a re-inspection) a year-less month-day after today is last
    year's: ``12月28日`` typed on 2027-01-03 is 2026-12-28.
    """
    cleaned = unicodedata.normalize("NFKC", text).strip().lower()
    if cleaned in _RELATIVE:
        return today + timedelta(days=_RELATIVE[cleaned])
    for pattern in (_FULL, _COMPACT):
        m = pattern.match(cleaned)
        if m:
            return _safe(int(m[1]), int(m[2]), int(m[3]))
    m = _SHORT.match(cleaned)
    if m:
        this_year = _safe(today.year, int(m[1]), int(m[2]))
        if future and (this_year is None or this_year < today):
            return _safe(today.year + 1, int(m[1]), int(m[2])) or this_year  # 2月29日 of a leap year ahead
        if past and (this_year is None or this_year > today):
            return _safe(today.year - 1, int(m[1]), int(m[2])) or this_year
        return this_year
    return None


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def date_examples(today: date, *, future: bool = False, past: bool = False) -> dict[str, str]:
    """A date to show as an example in the forms people type, near ``today`` so it is never absurd: 30 days
    ahead for a question wanting a future date, 7 days back for one wanting a past date, else today.
    Keys ``iso`` (``2026-12-07``), ``slash`` (``2026/12/07``) and ``md`` (``12月7日``)."""
    day = today + timedelta(days=30 if future else -7 if past else 0)
    return {"iso": day.isoformat(), "slash": day.strftime("%Y/%m/%d"), "md": f"{day.month}月{day.day}日"}
