"""Dates as people type them on a phone: ``2018-10-15``, ``2018/10/15``, ``2018.10.15``, ``20181015``,
``2018年10月15日``, ``10月15日``, ``10-15``, ``今天``/``明天``/``昨天``/``后天`` and English
``today``/``tomorrow``/``yesterday``. Year-less dates take the year of ``today``."""

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


def parse_date(text: str, today: date) -> date | None:
    """The date ``text`` names, or None when it names none (including impossible dates like 2月30日).

    ``today`` is the Asia/Shanghai date used for relative words and year-less dates.
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
        return _safe(today.year, int(m[1]), int(m[2]))
    return None


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
