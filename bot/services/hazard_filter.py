"""The /find filter (issue 16, "find by any field"): a ``Filter`` of the 附件2 fields the office asks about, the
parser of typed words (``/find 超期 重大 重点消防 建外街道``, ``/find 2026-11-01..2026-11-30``, Chinese and
English), and the translation to SQL conditions over ``hazard``. Framework-free; the actor's scope is added
by the caller from ``hazard_query.scope_clause`` (one home per rule), never here.

Typed words (each criterion once; ``key:value`` names the criterion when a word could mean two):

- a township (located there: ``hazard.township_code``; ``建外街道`` or ``建外``) or a department (its industry:
  ``所属区行业部门`` is the department, or the department recorded it; ``区房管局`` or ``房管局``);
- a hazard type (附件2 填表说明 12, ``config/hazard_types.toml``): a category (``重点消防``, ``fire-safety``,
  ``类型:1``) or a subtype (``老旧小区``; ``类型:重点消防/其他`` for a subtype named alike in two categories);
- the level ``重大``/``major`` or ``一般``/``general``; the source ``检查``, ``举报``, ``来源:其他``;
- a state (``已挂账``, ``closed`` …, or ``未销账``/``open``: on the ledger and not closed); ``超期``/``overdue``;
  ``督办``/``supervised`` (an open 挂牌督办);
- a date range ``YYYY-MM-DD..YYYY-MM-DD`` (either end may be left out), a day ``YYYY-MM-DD`` or a month
  ``YYYY-MM``: the rectification deadline, or after ``上账``/``registered`` (also ``上账:2026-11``) the
  registration date (上账时间, Asia/Shanghai dates, both ends included); a calendar date outside the years
  ``PLAUSIBLE_YEARS`` (9999-12-31) is said to be far outside the campaign;
- text: one other word (ledger or draft number, or part of the site name or address), or ``文字:…``/``text:…``;
- ``xlsx`` (``导出``, ``excel``): not a criterion but the answer's form, the 附件2 file (``export_asked``).

Without a state word or a text rejected hazards (已驳回) are left out, as /status leaves them out. Anything else raises
``FilterWordsUnknown`` naming the words, and ``超期`` with a state no overdue hazard has (``超期 已销账``) raises
``FilterContradicts``, so the question can be asked again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlmodel import col

from bot.domain import HazardState
from bot.services.hazard_query import open_clause, overdue_clause
from bot.services.lifecycle import GENERAL, MAJOR
from storage.errors import DomainError
from storage.models import Hazard, Unit
from storage.models_lifecycle import Supervision
from storage.registry import (
    UnitEntry,
    by_code,
    department_aliases,
    match_unit,
    name_key,
    normalise_township_name,
    registry,
)
from storage.taxonomy import hazard_types

SOURCES = ("检查", "举报", "其他")  # 附件2 填表说明 9
OPEN = "open"  # the state filter "on the ledger, not closed" (hazard_query.OPEN_STATES)
STATE_FILTERS = (*(s.value for s in HazardState), OPEN)
TEXT_LIMIT = 64
_LIKE_ESCAPE = "\\"


class FilterWordsUnknown(DomainError, code="filter_words_unknown"):
    """Typed filter words that name no criterion (``words``), or name one twice (``twice``: the criterion's key),
    or a date range that is empty or not a date (``dates``; with ``implausible``, its calendar date outside the
    years ``first``–``last``: ``PLAUSIBLE_YEARS``)."""


class FilterContradicts(DomainError, code="filter_contradicts"):
    """Typed words that no hazard can meet together: 超期 with a ``state`` other than 已挂账 (an overdue hazard is
    registered and not yet reported rectified: ``hazard_query.is_overdue``), e.g. ``超期 已销账``."""


class FilterGone(DomainError, code="find_filter_gone"):
    """A button names a filter that is no longer kept (an old message; the conversation state was reset)."""


class FilterNotYours(DomainError, code="find_filter_not_yours"):
    """A button names a filter kept for another person (their /find result forwarded, or pressed in a group):
    refused without telling anything of it."""


@dataclass(frozen=True)
class Filter:
    """What /find narrows by; every field empty = every hazard in scope.

    ``unit``: a unit code (a township's 9-digit code: located there; a department's ``dept-NN``: its industry);
    ``category``/``subtype``: the hazard type (subtype only with its category); ``level``: ``重大隐患`` or
    ``一般隐患``; ``state``: a ``HazardState`` value or ``open``; ``source``: one of ``SOURCES``;
    ``overdue``/``supervised``: only overdue (registered, deadline before today) / under open supervision;
    ``deadline_*``: the rectification deadline, ``registered_*``: the 上账 date (Asia/Shanghai), both ends
    included; ``text``: a number, or part of the site name or address."""

    unit: str | None = None
    category: str | None = None
    subtype: str | None = None
    level: str | None = None
    state: str | None = None
    source: str | None = None
    overdue: bool = False
    supervised: bool = False
    deadline_from: date | None = None
    deadline_to: date | None = None
    registered_from: date | None = None
    registered_to: date | None = None
    text: str | None = None

    def is_empty(self) -> bool:
        """True when no condition is set (the filter matches every hazard in scope)."""
        return self == Filter()

    def contradiction(self) -> str | None:
        """The state that contradicts 超期 in this filter (``FilterContradicts``), ``None`` when none does."""
        if self.overdue and self.state not in (None, OPEN, HazardState.REGISTERED.value):
            return self.state
        return None

    @property
    def leaves_out_rejected(self) -> bool:
        """Rejected hazards (已驳回: never on the ledger) are left out of a count of many, as /status leaves them
        out of its numbers, unless a state word asks for them; a text (a number, site or address) looks for one
        hazard and finds it whatever its state (a rejected one is corrected and resubmitted from its card)."""
        return self.state is None and self.text is None

    def rejected_left_out(self) -> Filter:
        """The filter of the rejected hazards this one leaves out (``leaves_out_rejected``)."""
        return replace(self, state=HazardState.REJECTED.value)

    def without(self, criterion: str) -> Filter:
        """This filter with one criterion (a ``CRITERIA`` key) removed."""
        cleared: dict[str, Any] = {name: _DEFAULTS[name] for name in CRITERIA[criterion]}
        return replace(self, **cleared)

    def chosen(self) -> tuple[str, ...]:
        """The ``CRITERIA`` keys this filter sets, in ``CRITERIA`` order."""
        return tuple(k for k, names in CRITERIA.items() if any(getattr(self, n) != _DEFAULTS[n] for n in names))

    def to_data(self) -> dict[str, Any]:
        """JSON-safe form (dates ISO) for conversation state; ``from_data`` reads it back."""
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()
                if v != _DEFAULTS[k]}

    @staticmethod
    def from_data(data: dict[str, Any]) -> Filter:
        """The filter ``to_data`` wrote; unknown keys (from another version) are dropped."""
        values: dict[str, Any] = {}
        for f in fields(Filter):
            if f.name in data:
                v = data[f.name]
                values[f.name] = date.fromisoformat(v) if f.name.endswith(("_from", "_to")) and v else v
        return Filter(**values)


#: criterion key → the fields it sets (the filter card's buttons add and remove whole criteria)
CRITERIA: dict[str, tuple[str, ...]] = {
    "unit": ("unit",),
    "type": ("category", "subtype"),
    "level": ("level",),
    "state": ("state",),
    "source": ("source",),
    "overdue": ("overdue",),
    "supervised": ("supervised",),
    "deadline": ("deadline_from", "deadline_to"),
    "registered": ("registered_from", "registered_to"),
    "text": ("text",),
}
_DEFAULTS: dict[str, Any] = {f.name: f.default for f in fields(Filter)}


# ---- vocabulary -------------------------------------------------------------------------------------

STATE_WORDS: dict[str, tuple[str, ...]] = {
    "pending_review": ("待审核", "pending-review"),
    "pending_confirmation": ("待确认", "待挂账", "pending-confirmation"),
    "registered": ("已挂账", "挂账", "整改中", "registered"),
    "rectified": ("已整改", "待复查", "rectified"),
    "closure_requested": ("待销账", "closure-requested"),
    "closed": ("已销账", "销账", "closed"),
    "rejected": ("已驳回", "驳回", "rejected"),
    OPEN: ("未销账", "在账", "open"),
}
LEVEL_WORDS = {MAJOR: ("重大", "重大隐患", "major"), GENERAL: ("一般", "一般隐患", "general")}
SOURCE_WORDS = {"检查": ("检查", "inspection"), "举报": ("举报", "群众举报", "tip-off", "tipoff"),
                "其他": ("其他来源", "other-source")}
OVERDUE_WORDS = ("超期", "逾期", "overdue")
SUPERVISED_WORDS = ("督办", "挂牌督办", "挂牌", "supervised")
REGISTERED_WORDS = ("上账", "挂账日期", "登记", "registered-on", "registration")
DEADLINE_WORDS = ("期限", "整改期限", "deadline")
KEYS = {
    "unit": ("街乡", "街道", "乡镇", "部门", "单位", "township", "department", "unit"),
    "type": ("类型", "隐患类型", "type"),
    "level": ("级别", "等级", "level"),
    "state": ("状态", "state"),
    "source": ("来源", "source"),
    "deadline": DEADLINE_WORDS,
    "registered": ("上账", "登记", "registered"),
    "text": ("文字", "编号", "text", "number"),
}


def slug(english: str) -> str:
    """An English name as one typed word: ``Fire safety`` → ``fire-safety``."""
    return re.sub(r"[^a-z0-9]+", "-", english.lower()).strip("-")


@cache
def _units() -> dict[str, UnitEntry]:
    """Every spelling of a unit that names it alone → the unit: the registry name, a township's short name
    (``建外``), a department's name without ``区`` (``房管局``), a zone's alias (``CBD``) and a department's alias
    (``消防`` → 朝阳消防支队, as ``/status 消防``)."""
    words: dict[str, UnitEntry] = {}
    taken: set[str] = set()
    aliases = department_aliases()
    for u in registry():
        alternatives = {u.name, normalise_township_name(u.name) if u.is_township else u.name.removeprefix("区"),
                        *u.aliases, *(a for a, name in aliases.items() if name == u.name)}
        for w in alternatives:
            w = unit_word(w)
            if w in words and words[w] != u:
                taken.add(w)
            words.setdefault(w, u)
    return {w: u for w, u in words.items() if w not in taken}


def unit_word(word: str) -> str:
    """``word`` as ``_units`` keys it: the registry's comparison key (``storage.registry.name_key``: ``cbd`` and
    ``ｃｂｄ`` are the zone ``CBD``, as ``/status cbd``)."""
    return name_key(word)


def unit_entry(code: str) -> UnitEntry | None:
    """The registry unit with ``code`` (``storage.registry.by_code``)."""
    return by_code(code)


@cache
def _types() -> dict[str, tuple[str, str | None]]:
    """Every spelling of a category or of a subtype found in one category only → (category, subtype)."""
    words: dict[str, tuple[str, str | None]] = {}
    seen: dict[str, int] = {}
    for i, c in enumerate(hazard_types(), start=1):
        for w in (c.name, slug(c.name_en), str(i)):
            words[w] = (c.name, None)
        for s in c.subtypes:
            seen[s.value] = seen.get(s.value, 0) + 1
            words.setdefault(f"{c.name}/{s.value}", (c.name, s.value))
            words.setdefault(f"{i}/{s.value}", (c.name, s.value))
            words.setdefault(s.value, (c.name, s.value))
    return {w: t for w, t in words.items() if seen.get(w, 0) <= 1 or w in {c.name for c in hazard_types()}}


def _lookup(table: Mapping[str, tuple[str, ...]], word: str) -> str | None:
    low = word.lower()
    return next((k for k, spellings in table.items() if low in spellings), None)


# ---- parsing ----------------------------------------------------------------------------------------

_DAY = r"\d{4}-\d{1,2}-\d{1,2}"
_MONTH = r"\d{4}-\d{1,2}"
_RANGE = re.compile(rf"^(?P<a>{_DAY})?\.\.(?P<b>{_DAY})?$")


#: the years a date typed to /find may name: no deadline or 上账 date of the campaign (2018 on; old ledgers imported
#: from the years before; a deadline at most three years ahead of its form) lies outside them, so a day beyond is a
#: slip (9999-12-31, 2206 for 2026) and is said to be one rather than searched for (the SQL of a range at the
#: calendar's end could not even be built: it ends at the day after it)
PLAUSIBLE_YEARS = (2000, 2099)


class ImplausibleDay(ValueError):
    """A calendar date typed to /find outside ``PLAUSIBLE_YEARS``; ``day``: it, ISO (a month: ``YYYY-MM``)."""

    def __init__(self, day: str) -> None:
        super().__init__(day)
        self.day = day


def _dates(word: str) -> tuple[date | None, date | None] | None:
    """``word`` as an inclusive date range, ``None`` when it is no date at all; raises ``ImplausibleDay`` for a
    calendar date outside ``PLAUSIBLE_YEARS`` and ``ValueError`` for a date-shaped word that is no calendar
    date."""
    if m := _RANGE.match(word):
        if not (m["a"] or m["b"]):
            return None
        return (_plausible(date.fromisoformat(_iso(m["a"]))) if m["a"] else None,
                _plausible(date.fromisoformat(_iso(m["b"]))) if m["b"] else None)
    if re.fullmatch(_DAY, word):
        d = _plausible(date.fromisoformat(_iso(word)))
        return d, d
    if re.fullmatch(_MONTH, word):
        y, mo = (int(x) for x in word.split("-"))
        first = _plausible(date(y, mo, 1), f"{y:04d}-{mo:02d}")
        return first, (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return None


def _plausible(d: date, shown: str | None = None) -> date:
    if not PLAUSIBLE_YEARS[0] <= d.year <= PLAUSIBLE_YEARS[1]:
        raise ImplausibleDay(shown or d.isoformat())
    return d


def _iso(day: str) -> str:
    """``day`` as ISO 8601; ``int`` reads the full-width digits a Chinese keyboard types (``２０２６``) too."""
    y, m, d = day.split("-")
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"


def tokens(text: str) -> list[str]:
    """The typed words, split at spaces and commas (also the full-width ones); ``：`` read as ``:``, a range
    between two dates written ``..`` whatever was typed (``~``, ``至``, spaces), and without the invisible format
    characters a paste brings along (zero-width spaces and joiners, U+202E and the other direction marks: Unicode
    Cf), which no keyword, number, site or address holds."""
    text = _visible(text)
    text = re.sub(r"(?<=\d)\s*(?:\.\.|~|～|至)\s*(?=\d)", "..", text.replace("：", ":"))
    return [w for w in re.split(r"[\s,，、;；]+", text.strip()) if w]


EXPORT_WORDS = ("xlsx", "excel", "导出", "export")  # /find … xlsx: the result as the 附件2 file, not a page


def export_asked(text: str) -> tuple[str, bool]:
    """``text`` without its export words (``EXPORT_WORDS``, typed in any width or case, as ``/status xlsx``), and
    whether there was one: ``/find 超期 建外 xlsx`` exports what ``/find 超期 建外`` lists; ``/find xlsx`` alone
    every hazard in scope, as the filter card's export button with no criterion."""
    words = tokens(text)
    kept = [w for w in words if name_key(w) not in EXPORT_WORDS]
    return " ".join(kept), len(kept) < len(words)


def parse(text: str, base: Filter | None = None) -> Filter:
    """The filter the words of ``text`` describe, added to ``base`` (a typed word replaces what ``base`` had
    for its criterion). Raises ``FilterWordsUnknown`` (``words``: the words not understood, ``twice``: a
    criterion given twice, ``dates``: an impossible or empty date range)."""
    given: set[str] = set()
    unknown: list[str] = []
    leftovers: list[str] = []
    date_prefix: str | None = None  # the 上账 / 期限 word just before a date
    values: dict[str, Any] = {}

    def put(criterion: str, **kw: Any) -> None:
        if criterion in given:
            raise FilterWordsUnknown(twice=criterion, words=[], dates="")
        given.add(criterion)
        values.update({n: _DEFAULTS[n] for n in CRITERIA[criterion]})
        values.update(kw)

    for raw in tokens(text):
        # keywords are matched as NFKC folds them (``ｏｖｅｒｄｕｅ``, ``ｓｔａｔｅ:closed`` typed full-width on a
        # phone); a text searched for is kept as typed (a site name may be stored full-width)
        key, sep, value = _fold(raw).partition(":")
        keyed = _key_of(key) if sep and value else None
        if sep and value and keyed is None:
            unknown.append(raw)
            continue
        word = value if keyed else _fold(raw)
        typed = raw.partition(":")[2] if keyed and ":" in raw else raw
        if keyed is None and word.lower() in (*REGISTERED_WORDS, *DEADLINE_WORDS):
            if date_prefix is not None:
                unknown.append(date_prefix)
            date_prefix = word
            continue
        if date_prefix is not None:
            keyed = "registered" if date_prefix.lower() in REGISTERED_WORDS else "deadline"
            if not _understood(keyed, word, put):
                unknown.append(f"{date_prefix} {word}")
            date_prefix = None
        elif _understood(keyed, word, put):
            pass
        elif keyed == "text" or (keyed is None and not _is_keyword_shape(word)):
            leftovers.append(typed)
        else:
            unknown.append(raw)
    if date_prefix is not None:
        unknown.append(date_prefix)
    if unknown:
        raise FilterWordsUnknown(words=unknown, twice="", dates="")
    if len(leftovers) > 1:
        raise FilterWordsUnknown(words=leftovers, free=True, twice="", dates="")
    if leftovers:
        put("text", text=text_value(leftovers[0]))
    found = replace(base or Filter(), **values)
    # only a contradiction the words bring: one built with the buttons is shown on the card (``contradiction``),
    # and a date typed after them has no part in it
    if (clash := found.contradiction()) and (base is None or base.contradiction() is None):
        raise FilterContradicts(state=clash)
    return found


def bare_text(text: str) -> bool:
    """Whether the text criterion ``parse`` reads from ``text`` (if any) was a bare word, not one written
    ``文字:…``/``text:…``: only a bare word may turn out to be meant as a unit (``SearchService.unit_reading``)."""
    return not any(_key_of(_fold(w).partition(":")[0]) == "text" for w in tokens(text) if ":" in _fold(w))


def text_value(text: str) -> str:
    """``text`` as the text criterion keeps it (typed after its button, or the one free word): without invisible
    format characters (``tokens``) and the spaces around, at most ``TEXT_LIMIT`` characters; ``""`` for none."""
    return _visible(text).strip()[:TEXT_LIMIT]


def _visible(text: str) -> str:
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def _fold(word: str) -> str:
    """``word`` as keywords are compared: NFKC (full-width Latin letters, digits and punctuation as ASCII)."""
    return unicodedata.normalize("NFKC", word)


def parse_range(criterion: str, text: str, base: Filter) -> Filter:
    """``base`` with the date range typed after the button of ``criterion`` (``deadline`` or ``registered``):
    one range, day or month as ``parse`` reads it. Raises ``FilterWordsUnknown`` (``dates``: what was typed)
    for anything else, so that the answer explains how to write a range, whatever the words were."""
    words = tokens(text)
    if len(words) != 1 or not _date_word(words[0]):
        raise FilterWordsUnknown(dates=text.strip(), words=[], twice="")
    return parse(f"{KEYS[criterion][0]}:{words[0]}", base.without(criterion))


def _key_of(word: str) -> str | None:
    return next((k for k, spellings in KEYS.items() if word.lower() in spellings), None)


def _is_keyword_shape(word: str) -> bool:
    """A word of Latin letters (and hyphens) only is meant as a keyword — a site, an address and a number
    never look so here — so one not known is reported instead of searched for."""
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z-]*", word))


def _understood(keyed: str | None, word: str, put: Any) -> bool:
    """Apply ``word`` (meant for criterion ``keyed``, or for any when ``None``) through ``put``; whether it
    named something. Raises ``FilterWordsUnknown`` for an impossible date and for a bare ``其他`` (a category,
    a subtype of each and a source)."""
    low = word.lower()
    free = keyed is None
    if free and low in OVERDUE_WORDS:
        put("overdue", overdue=True)
    elif free and low in SUPERVISED_WORDS:
        put("supervised", supervised=True)
    elif free and word == "其他":
        raise FilterWordsUnknown(words=[word], twice="", dates="")
    elif keyed in (None, "level") and (level := _lookup(LEVEL_WORDS, word)):
        put("level", level=level)
    elif keyed in (None, "source") and (source := _source(keyed, word)):
        put("source", source=source)
    elif keyed in (None, "state") and (state := _state(keyed, word)):
        put("state", state=state)
    # a department's alias that is also a hazard type (燃气, 铁路) typed alone is the type, as before aliases
    # named units; ``单位:燃气`` is the unit
    elif keyed in (None, "unit") and not (free and word in _types()) and (unit := _units().get(unit_word(word))):
        put("unit", unit=unit.code)
    elif keyed == "unit" and (named := match_unit(word)):  # ``单位:应急``: the one unit whose name holds it
        put("unit", unit=named.code)
    elif keyed in (None, "type") and not (free and word.isdigit()) and (kind := _types().get(word)):
        put("type", category=kind[0], subtype=kind[1])
    elif keyed in (None, "deadline", "registered") and _date_word(word):
        try:
            span = _dates(word)
        except ImplausibleDay as far:
            raise FilterWordsUnknown(dates=word, implausible=far.day, first=PLAUSIBLE_YEARS[0],
                                     last=PLAUSIBLE_YEARS[1], words=[], twice="") from None
        except ValueError:
            raise FilterWordsUnknown(dates=word, words=[], twice="") from None
        assert span is not None
        if span[0] and span[1] and span[0] > span[1]:
            raise FilterWordsUnknown(dates=word, words=[], twice="")
        kind_ = keyed or "deadline"
        put(kind_, **{f"{kind_}_from": span[0], f"{kind_}_to": span[1]})
    else:
        return False
    return True


def _source(keyed: str | None, word: str) -> str | None:
    if keyed == "source" and word in SOURCES:
        return word
    return _lookup(SOURCE_WORDS, word)


def _state(keyed: str | None, word: str) -> str | None:
    if keyed == "state" and word in STATE_FILTERS:
        return word
    return _lookup(STATE_WORDS, word)


def _date_word(word: str) -> bool:
    try:
        return _dates(word) is not None
    except ValueError:
        return True


# ---- SQL --------------------------------------------------------------------------------------------

def _like(text: str) -> str:
    escaped = text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def text_clause(text: str) -> ColumnElement[bool]:
    """A hazard whose ledger or draft number equals ``text`` (from 6 characters: starts with it), or whose
    site name or address contains it (``%`` and ``_`` taken literally)."""
    text = text.strip()
    upper = text.upper()
    conditions = [
        col(Hazard.ledger_number) == text,
        func.upper(col(Hazard.draft_number)) == upper,
        col(Hazard.site_name).like(_like(text), escape=_LIKE_ESCAPE),
        col(Hazard.address).like(_like(text), escape=_LIKE_ESCAPE),
    ]
    if len(text) >= 6:
        prefix = _like(upper)[1:]
        conditions += [
            col(Hazard.ledger_number).like(prefix, escape=_LIKE_ESCAPE),
            func.upper(col(Hazard.draft_number)).like(prefix, escape=_LIKE_ESCAPE),
        ]
    return or_(*conditions)


def supervised_clause() -> ColumnElement[bool]:
    """Under an open 挂牌督办 (a supervision not ended)."""
    return exists().where(col(Supervision.hazard_id) == col(Hazard.id), col(Supervision.ended_at).is_(None))


def unit_clause(code: str) -> ColumnElement[bool]:
    """A township: hazards located there. A department: its industry (所属区行业部门 names it, 方案 三) or
    recorded by it. An unknown code: nothing."""
    entry = unit_entry(code)
    if entry is None:
        return col(Hazard.id).is_(None)
    if entry.is_township:
        return col(Hazard.township_code) == code
    recorded = select(col(Unit.id)).where(col(Unit.code) == code).scalar_subquery()
    return or_(col(Hazard.district_department) == entry.name, col(Hazard.unit_id) == recorded)


def _local_start(d: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(d, time(), tz)


def clauses(f: Filter, today: date, tz: ZoneInfo) -> list[ColumnElement[bool]]:
    """The SQL conditions of ``f`` over ``hazard`` (all must hold); ``today`` and ``tz`` the deployment's date
    and zone (overdue; the registration dates)."""
    out: list[ColumnElement[bool]] = []
    if f.unit:
        out.append(unit_clause(f.unit))
    if f.category:
        out.append(col(Hazard.category) == f.category)
    if f.subtype:
        out.append(col(Hazard.subtype) == f.subtype)
    if f.level:
        out.append(col(Hazard.level) == f.level)
    if f.state == OPEN:
        out.append(open_clause())
    elif f.state:
        out.append(col(Hazard.state) == f.state)
    if f.leaves_out_rejected:
        out.append(col(Hazard.state) != HazardState.REJECTED.value)
    if f.source:
        out.append(col(Hazard.source) == f.source)
    if f.overdue:
        out.append(overdue_clause(today))
    if f.supervised:
        out.append(supervised_clause())
    if f.deadline_from:
        out.append(col(Hazard.deadline) >= f.deadline_from)
    if f.deadline_to:
        out.append(col(Hazard.deadline) <= f.deadline_to)
    if f.registered_from:
        out.append(col(Hazard.registered_at) >= _local_start(f.registered_from, tz))
    if f.registered_to:
        out.append(col(Hazard.registered_at) < _local_start(f.registered_to + timedelta(days=1), tz))
    if f.text:
        out.append(text_clause(f.text))
    return out


def where(f: Filter, today: date, tz: ZoneInfo) -> ColumnElement[bool]:
    """``clauses`` joined by AND (true for an empty filter)."""
    return and_(col(Hazard.id).is_not(None), *clauses(f, today, tz))


def words_of(f: Filter) -> list[str]:
    """The filter as the words ``parse`` reads back to the same filter (for the card and to repeat it)."""
    out: list[str] = []
    if f.overdue:
        out.append("超期")
    if f.supervised:
        out.append("督办")
    if f.level:
        out.append(LEVEL_WORDS[f.level][0])
    if f.category:
        out.append(f"类型:{f.category}/{f.subtype}" if f.subtype else f"类型:{f.category}")
    if f.unit and (entry := unit_entry(f.unit)):
        out.append(entry.name)
    if f.state:
        out.append(STATE_WORDS[f.state][0])
    if f.source:
        out.append(f"来源:{f.source}")
    for kind in ("deadline", "registered"):
        a, b = getattr(f, f"{kind}_from"), getattr(f, f"{kind}_to")
        if a or b:
            out.append(f"{'期限' if kind == 'deadline' else '上账'}:{a.isoformat() if a else ''}..{b.isoformat() if b else ''}")
    if f.text:
        out.append(f"文字:{f.text}")
    return out


def choices(criterion: str) -> Sequence[tuple[str, str]]:
    """The values a button may set for a choice criterion: (value, Chinese word)."""
    if criterion == "level":
        return [(MAJOR, MAJOR), (GENERAL, GENERAL)]
    if criterion == "source":
        return [(s, s) for s in SOURCES]
    if criterion == "state":
        return [(s, STATE_WORDS[s][0]) for s in STATE_FILTERS]
    raise KeyError(criterion)


def type_names() -> Iterable[tuple[str, tuple[str, ...]]]:
    """(category, its subtypes) in the order of 附件2 填表说明 12."""
    return ((c.name, tuple(s.value for s in c.subtypes)) for c in hazard_types())
