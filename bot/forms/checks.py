"""Turning one answer into a stored value, with the checks of its field.

Every function returns the JSON value to store or raises ``Rejected`` with a stable ``code``
(rendered in the user's language by the handlers). Sources: 附件1/附件2 填表说明; issue rules:
mainland mobile or Beijing landline, positive counts, amounts ≥ 0 with at most 4 decimals (万元),
inspection date not in the future, deadline after today, areas ≥ 0 and demolished ≤ illegal area.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bot.forms.dates import date_examples, parse_date
from bot.forms.spec import FieldSpec


class Rejected(Exception):  # noqa: N818  (a rejected answer is not an error of the program)
    """The answer does not fit the field; ``code`` names why, ``params`` fill the message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


# digits with an optional point: no exponent ("1e3"), no "NaN"/"Infinity", no "1_000" (all of which Decimal reads)
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
# commas only as thousands separators: "1,000.5"; "1,5" (a Chinese comma typed for a point) is refused
_GROUPED_NUMBER = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
# the words that may follow a number in each unit, compared without spaces and lower-cased after NFKC
# ("㎡" and "ｍ２" become "m2")
UNIT_WORDS = {
    "m2": ("平方米", "平米", "平方", "m2"),
    "wan_yuan": ("万元", "万", "萬元", "萬"),
    "percent": ("%",),
}
_NUMBER_THEN_WORDS = re.compile(r"^([+-]?[\d.,]*)\s*(.*)$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_BEIJING_LANDLINE = re.compile(r"^(?:010)?([2-9]\d{7})(?:(?:转|ext|x)?(\d{1,6}))?$")
# 400/800 service numbers: ten digits, never a Beijing landline with an extension ("4008101234" is not 010-40081012-34)
_SERVICE_NUMBER = re.compile(r"^([48]00)(\d{3})(\d{4})$")
# a landline with its area code: 0 + two digits (010, 020–029) or three (0311 … 0999), then 7–8 digits;
# an extension only after an explicit separator, as digits alone cannot say where the number ends
_AREA_LANDLINE = re.compile(r"^(0(?:[12]\d|[3-9]\d{2}))([2-9]\d{6,7})(?:(?:-|转|ext|x)(\d{1,6}))?$")


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _blank(c: str) -> bool:
    """A character nobody reads as one: a space or an invisible format character (zero-width space or joiner,
    a direction mark: Unicode Cf)."""
    return c.isspace() or unicodedata.category(c) == "Cf"


def _trimmed(text: str) -> str:
    start, end = 0, len(text)
    while start < end and _blank(text[start]):
        start += 1
    while end > start and _blank(text[end - 1]):
        end -= 1
    return text[start:end]


def _readable_length(text: str) -> int:
    """The characters of ``text`` one reads: not blank (``_blank``), nor a mark set on the one before (Mn, Me)."""
    return sum(1 for c in text if not _blank(c) and unicodedata.category(c) not in ("Mn", "Me"))


def counted_length(text: str) -> int:
    """The letters and digits of ``text`` (Unicode categories L* and N*): what a least length counts, so that a
    reason of 「？？？？」, 「不清。。」 or 「不 清 啊」 is not taken as four characters. Combining accents (M*),
    punctuation, symbols (emoji), blanks and invisible characters do not count."""
    return sum(1 for c in text if unicodedata.category(c)[0] in ("L", "N"))


def parse_text(spec: FieldSpec, text: str) -> str:
    """The text without the blank and invisible characters around it; raises ``Rejected`` (``too_short``,
    ``too_long``) outside the field's lengths. A least length set by the form (``min_length`` above 1) counts
    letters and digits only (``counted_length``); any text needs one character one reads (``_readable_length``:
    "—" answers an optional question, "x" padded with zero-width spaces, blanks or accents is as short as "x")."""
    value = _trimmed(text)
    if _readable_length(value) < 1 or (spec.min_length > 1 and counted_length(value) < spec.min_length):
        raise Rejected("too_short", min=max(spec.min_length, 1))
    if len(value) > spec.max_length:
        raise Rejected("too_long", max=spec.max_length, length=len(value))
    return value


def parse_integer(spec: FieldSpec, text: str) -> int:
    """The integer typed (full-width digits, thousands separators and a counting word such as 人 or 家 allowed);
    raises ``Rejected`` (``not_integer``, ``too_small``, ``too_large``)."""
    cleaned = _nfkc(text).replace(",", "").replace(" ", "")
    for suffix in ("人", "名", "个", "家"):
        cleaned = cleaned.removesuffix(suffix)
    if not re.fullmatch(r"[+-]?\d+", cleaned):
        raise Rejected("not_integer")
    value = int(cleaned)
    if spec.min is not None and value < spec.min:
        raise Rejected("too_small", min=int(spec.min))
    if spec.max is not None and value > spec.max:
        raise Rejected("too_large", max=int(spec.max))
    return value


def parse_decimal(spec: FieldSpec, text: str, data: dict[str, Any]) -> str:
    """Stored as a string so that no binary rounding ever touches an amount or an area."""
    match = _NUMBER_THEN_WORDS.match(_nfkc(text))
    assert match is not None  # every text matches: both groups may be empty
    cleaned, words = match.group(1), match.group(2).replace(" ", "").lower()
    if words and words not in UNIT_WORDS.get(spec.unit or "", ()):
        if spec.unit and any(words in other for other in UNIT_WORDS.values()):  # "3万" is no area
            raise Rejected("wrong_unit", unit=spec.unit)
        raise Rejected("not_decimal")
    if "," in cleaned:
        if not _GROUPED_NUMBER.match(cleaned):
            raise Rejected("not_decimal")
        cleaned = cleaned.replace(",", "")
    if not _PLAIN_NUMBER.match(cleaned):
        raise Rejected("not_decimal")
    value = Decimal(cleaned)
    if spec.min is not None and value < Decimal(str(spec.min)):
        raise Rejected("too_small", min=spec.min if spec.min % 1 else int(spec.min))
    if spec.max is not None and value > Decimal(str(spec.max)):
        raise Rejected("too_large", max=spec.max if spec.max % 1 else int(spec.max))
    if spec.scale is not None and -value.as_tuple().exponent > spec.scale:  # type: ignore[operator]
        raise Rejected("too_many_decimals", scale=spec.scale)
    if spec.lte_field and data.get(spec.lte_field) is not None:
        limit = Decimal(str(data[spec.lte_field]))
        if value > limit:
            raise Rejected("exceeds_field", limit=str(limit))
    return str(value.normalize()) if value != value.to_integral_value() else str(int(value))


# A deadline is a day of the work to come, not of the next century: 9999-12-31 or 2206 (for 2026) is a slip of the
# keyboard, and a day near ``date.max`` would overflow wherever a day is added to it (the reminders' working days).
# Three years is the length of the campaign itself (三年行动方案, 2018–2020 in the source; ``bot.campaign``); work
# that takes longer is registered (挂账) with its own plan.
DEADLINE_YEARS_AHEAD = 3


def latest_deadline(today: date) -> date:
    """The last day an ``after_today`` field (a rectification deadline, an extension's new one) takes: the same day
    ``DEADLINE_YEARS_AHEAD`` years after ``today`` (29 February: the 28th)."""
    year = today.year + DEADLINE_YEARS_AHEAD
    return today.replace(year=year, day=28) if (today.month, today.day) == (2, 29) else today.replace(year=year)


@dataclass(frozen=True)
class Earliest:
    """The first day a past-date answer may name and why, for the message: ``reason`` is ``campaign`` (the
    first day of the campaign's first year, ``bot.campaign``), ``found`` (the day the hazard a life-cycle form is
    about was recorded) or ``rectified`` (the day of the rectification a re-inspection checks)."""

    day: date
    reason: str


def parse_date_answer(spec: FieldSpec, text: str, today: date, earliest: Earliest | None = None, *,
                      kept: bool = False) -> str:
    """The date typed (``parse_date``: ISO, Chinese or relative forms) as ISO; raises ``Rejected`` for a date
    not understood, in the future for a ``not_future`` field, before ``earliest.day`` when given
    (``date_before_<reason>``: a form's lower bound; the ledger import gives none, old ledgers hold older days),
    or not after today for an ``after_today`` field, or later than ``latest_deadline`` for one (``date_too_far``)
    unless the value is ``kept`` (保持当前值: a deadline already on the record, the office's, is no slip of the
    keyboard)."""
    value = parse_date(text, today, future=spec.after_today, past=spec.not_future)
    if value is None:  # the examples offered fit the field: a past date for an inspection, a future one for a deadline
        raise Rejected("bad_past_date" if spec.not_future else "bad_future_date" if spec.after_today else "bad_date",
                       **date_examples(today, future=spec.after_today, past=spec.not_future))
    if spec.not_future and value > today:
        raise Rejected("date_in_future", today=today.isoformat())
    if earliest is not None and value < earliest.day:
        raise Rejected(f"date_before_{earliest.reason}", day=value.isoformat(), earliest=earliest.day.isoformat())
    if spec.after_today and value < today:  # 昨天, last week: a deadline already passed, not merely too early
        raise Rejected("date_in_past", day=value.isoformat(), today=today.isoformat(),
                       tomorrow=(today + timedelta(days=1)).isoformat())
    if spec.after_today and value <= today:
        raise Rejected("date_not_after_today", today=today.isoformat(),
                       tomorrow=(today + timedelta(days=1)).isoformat())
    if spec.after_today and not kept and value > latest_deadline(today):
        raise Rejected("date_too_far", day=value.isoformat(), latest=latest_deadline(today).isoformat())
    return value.isoformat()


def parse_phone(text: str) -> str:
    """A mainland mobile (11 digits, ``+86`` allowed) or a Beijing landline, normalised.

    Returns ``13912345678`` or ``010-65001234`` (``-123`` extension kept).
    """
    cleaned = _nfkc(text)
    if re.search(r"[A-Za-z]", cleaned.replace("ext", "").replace("x", "")):
        raise Rejected("bad_phone")
    digits = re.sub(r"[\s\-()（）]", "", cleaned)
    digits = re.sub(r"^(?:\+86|0086|86(?=1\d{10}$))", "", digits)
    if _MOBILE.match(digits):
        return digits
    service = _SERVICE_NUMBER.match(digits)
    if service:
        return "-".join(service.groups())
    m = _BEIJING_LANDLINE.match(digits)
    if m:
        return f"010-{m[1]}" + (f"-{m[2]}" if m[2] else "")
    raise Rejected("bad_phone")


def parse_any_phone(text: str) -> str:
    """What an old ledger's 联系电话 holds (附件2 imports, issue 16): ``parse_phone``'s numbers, a 400/800 service
    number (``400-810-1234``, kept as such) or a landline of another city with its area code
    (``0571-88881234``, ``-123`` extension kept). Raises ``Rejected('bad_phone')``."""
    try:
        return parse_phone(text)
    except Rejected:
        pass
    cleaned = _nfkc(text)
    compact = re.sub(r"[\s()（）]", "", cleaned)
    area, _, rest = compact.partition("-")
    digits = area + rest if area.startswith("0") and rest else compact
    m = _AREA_LANDLINE.match(digits.replace("--", "-"))
    if m is None and rest and area.startswith("0"):  # 0571-8888-1234 or 0571-88881234-12
        parts = [area, *rest.split("-")]
        joined = area + "".join(parts[1:3]) if len(parts) >= 3 and len(parts[1] + parts[2]) in (7, 8) else ""
        m = _AREA_LANDLINE.match(joined + (f"-{parts[3]}" if len(parts) == 4 else "")) if joined else None
    if m is None:
        raise Rejected("bad_phone")
    return f"{m[1]}-{m[2]}" + (f"-{m[3]}" if m[3] else "")


def parse_mobile(text: str) -> str:
    """A mainland mobile only (附件4 手机号码), normalised to 11 digits; raises ``Rejected('bad_mobile')``."""
    try:
        value = parse_phone(text)
    except Rejected:
        raise Rejected("bad_mobile") from None
    if not _MOBILE.match(value):
        raise Rejected("bad_mobile")
    return value
