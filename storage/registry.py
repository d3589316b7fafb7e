"""The unit registry: townships, departments and functional-zone committees (功能区管委会) from ``config/data``
(townships and departments copied from shared/data; zones and aliases: config/data/README.md)."""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession


@dataclass(frozen=True)
class UnitEntry:
    """A unit of the packaged registry: its code (110105001, dept-03 …), name, kind, whether it is a township,
    whether 方案 三 names it, and its other names."""

    code: str
    name: str
    kind: str
    is_township: bool
    #: named as 牵头单位 or 责任单位 in 方案 三 (townships and zones: 各街乡, 相关功能区管委会), so ranked in the 通报
    duties: bool = True
    aliases: tuple[str, ...] = ()

    @property
    def is_zone(self) -> bool:
        """True for a functional zone's committee (功能区管委会)."""
        return self.kind == ZONE_KIND


def _read(name: str) -> list[dict[str, str]]:
    text = (resources.files("config") / "data" / name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


ZONE_KIND = "功能区管委会"


@cache
def registry() -> tuple[UnitEntry, ...]:
    """Every unit: the 43 townships (NBS 2023 codes), the 35 departments as ``dept-NN``, then the functional-zone
    committees as ``zone-NN`` (``zones.csv``)."""
    townships = [UnitEntry(r["code"], r["name"], r["kind"], True) for r in _read("townships.csv")]
    departments = [
        UnitEntry(f"dept-{i:02d}", r["name"], r["kind"], False, duties=r.get("duties", "yes") == "yes")
        for i, r in enumerate(_read("departments.csv"), start=1)
    ]
    zones = [UnitEntry(r["code"], r["name"], r["kind"], False, aliases=tuple(a for a in r["aliases"].split("|") if a))
             for r in _read("zones.csv")]
    return tuple(townships + departments + zones)


def townships() -> tuple[UnitEntry, ...]:
    """The district's townships (街乡) of the registry, in its order."""
    return tuple(u for u in registry() if u.is_township)


def departments() -> tuple[UnitEntry, ...]:
    """The 35 departments of the plan (区级部门, the district branches of city bodies 市级单位, 企业, 区政府)."""
    return tuple(u for u in registry() if not u.is_township and not u.is_zone)


def zones() -> tuple[UnitEntry, ...]:
    """The functional-zone committees (功能区管委会, 方案 三 "相关功能区管委会")."""
    return tuple(u for u in registry() if u.is_zone)


def supervising_departments() -> tuple[UnitEntry, ...]:
    """The departments a hazard's 所属区行业部门 / 所属市行业部门 (附件2 填表说明 8, 9) can name: those with hazard
    duties in 方案 三 — district departments, the district branches of city bodies (朝阳消防支队, 公安朝阳分局…)
    and the two enterprises with duties (铁路, 燃气)."""
    return tuple(u for u in departments() if u.duties)


CITY_KIND = "市级单位"


def city_departments() -> tuple[UnitEntry, ...]:
    """The departments a hazard's 所属市行业部门 (附件2 填表说明 9: "隐患单位（场所）的市级行业监管部门") can name:
    the city bodies' branches in the district with hazard duties (kind ``市级单位``: 朝阳消防支队, 公安朝阳分局…),
    never a district department (区…) nor an enterprise."""
    return tuple(u for u in supervising_departments() if u.kind == CITY_KIND)


def reporting_codes() -> tuple[str, ...]:
    """Codes of the units that owe the campaign's reports (方案 五(二): 各街乡、各部门、各功能区管委会 — those with
    hazard duties in 方案 三); 区安委会办公室, which receives them, and units without duties owe none."""
    return tuple(u.code for u in registry() if u.duties)


def by_code(code: str) -> UnitEntry | None:
    """The unit with ``code``, None when the registry has none."""
    for unit in registry():
        if unit.code == code:
            return unit
    return None


@cache
def _aliases() -> dict[str, str]:
    return {r["alias"]: r["name"] for r in _read("department-aliases.csv")}


def department_aliases() -> dict[str, str]:
    """``department-aliases.csv``: a short or former name people type (``消防``, ``区安监局``) → the registry name of
    the department it means (``朝阳消防支队``, ``区应急局``)."""
    return dict(_aliases())


def department_name(text: str) -> str | None:
    """The registry name of the department ``text`` names, as written (``name_key``) or by an alias of
    ``department-aliases.csv`` (a former name such as 区安监局 → 区应急局, a short form such as 房管局 → 区房管局);
    ``None`` for any other text. A hazard names its industry department by the registry name, which the units'
    scopes match."""
    key = name_key(text)
    for unit in departments():
        if name_key(unit.name) == key:
            return unit.name
    return {name_key(a): name for a, name in _aliases().items()}.get(key)


def department_or_text(text: str | None) -> str | None:
    """``text`` as a hazard stores its industry department: the registry's name (``department_name``) when it
    names one, else as written (None stays None). A form answered before a department was renamed (a draft
    naming 区安监局, submitted after migration 0200) lands in the renamed department's scope."""
    return (department_name(text) or text) if text else text


def name_key(text: str) -> str:
    """``text`` as compared with the registry: without spaces, full-width letters and digits as ASCII and Latin
    letters in one case (``ｃｂｄ`` and ``cbd`` are ``CBD``, as typed on a phone), parentheses full-width."""
    folded = unicodedata.normalize("NFKC", "".join(text.split())).casefold()
    return folded.replace("(", "（").replace(")", "）")


#: places people type that name where a unit is, not which one: 北京 is in 中国铁路北京局集团有限公司 and 北京奥林匹克公园
#: 管理委员会 only as their city. Such a word never names a unit by lying inside its name (``match_unit``), nor makes a
#: searched word look like a unit, and is no ground for suggesting one (``suggest_units``). The district's own names
#: (朝阳区) mean the whole district where a scope is asked (``reports.DISTRICT_NAMES``).
PLACE_WORDS = ("中华人民共和国", "北京市", "中国", "北京", "首都", "朝阳区", "朝阳")


def match_unit(text: str, among: tuple[UnitEntry, ...] | None = None) -> UnitEntry | None:
    """The unit ``text`` names among ``among`` (default: every unit): its code or exact name, a township in any of
    its forms (``find_township``), a zone by one of its aliases, a department by an alias of
    ``department-aliases.csv`` ("消防" → 朝阳消防支队, renamed bodies such as 区安监局 → 区应急局), or the
    one unit whose name contains ``text`` (at least two characters, not a place: ``PLACE_WORDS``). None when
    nothing or several match."""
    units = registry() if among is None else among
    key = name_key(text)
    if not key:
        return None
    for unit in units:
        if key in (name_key(unit.code), name_key(unit.name)) or key in map(name_key, unit.aliases):
            return unit
    town = find_township(key)
    if town is not None and town in units:
        return town
    alias = {name_key(a): name for a, name in _aliases().items()}.get(key)
    if alias is not None:
        for unit in units:
            if unit.name == alias:
                return unit
    if len(key) >= 2 and key not in PLACE_WORDS:
        found = [u for u in units if key in name_key(u.name)]
        if len(found) == 1:
            return found[0]
    return None


def suggest_units(text: str, among: tuple[UnitEntry, ...] | None = None, limit: int = 5) -> list[str]:
    """Names of ``among`` (default: every unit) that look like ``text``: those sharing the most characters with
    it (aliases included), best first, at most ``limit``; for the message refusing an unknown name. Places in
    ``text`` (``PLACE_WORDS``: 北京) count for nothing, and when it has two telling characters or more a name must
    share two of them: one shared character (应 of 应急局局 in 市燃气集团朝阳供应企业) says nothing of the unit meant."""
    units = registry() if among is None else among
    typed = name_key(text)
    for place in PLACE_WORDS:
        typed = typed.replace(place, "")
    key = set(typed) - set("区市朝阳局委") - _common_characters()
    if not key:
        return []
    alias_names = _aliases()
    least = min(2, len(key))

    def score(unit: UnitEntry) -> int:
        words = [name_key(w) for w in (unit.name, *unit.aliases, *(a for a, n in alias_names.items() if n == unit.name))]
        shared = max(len(key & set(w)) for w in words)
        if shared < least:
            return 0
        # the whole typed text inside a name ("房管" in 区房管局) beats a few shared characters
        return shared + (len(typed) if shared and any(typed in w for w in words) else 0)

    scored = sorted(((score(u), i, u.name) for i, u in enumerate(units)), key=lambda t: (-t[0], t[1]))
    return [name for s, _i, name in scored if s > 0][:limit]


@cache
def _common_characters() -> frozenset[str]:
    """Characters found in more than 8 of the registry's names (地, 街, 道, 乡, 管 …): sharing one says nothing
    about which unit was meant, so "火星基地" is not offered 南磨房地区."""
    counts: dict[str, int] = {}
    for unit in registry():
        for ch in set(unit.name):
            counts[ch] = counts.get(ch, 0) + 1
    return frozenset(ch for ch, n in counts.items() if n > 8)


def normalise_township_name(text: str) -> str:
    """``X地区``, ``X乡``, ``X地区办事处``, ``X街道办事处`` all name the same unit (data README, caveat 2)."""
    name = text.strip().replace("办事处", "")
    for suffix in ("街道", "地区", "回族乡", "乡"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def find_township(text: str) -> UnitEntry | None:
    """The township named or coded by ``text`` (code ``110105400`` is the old 首都机场 code)."""
    text = text.strip()
    if text == "110105400":
        text = "110105020"
    key = normalise_township_name(text)
    for unit in townships():
        if text == unit.code or key == normalise_township_name(unit.name):
            return unit
    return None


async def sync_units(session: AsyncSession) -> int:
    """Insert the registry's units missing from the database; returns how many were added."""
    # imported here: the spreadsheet parse worker reads the registry and must not load SQLAlchemy
    from sqlmodel import select

    from storage.models import Unit

    existing = set((await session.exec(select(Unit.code))).all())
    added = 0
    for entry in registry():
        if entry.code not in existing:
            session.add(Unit(code=entry.code, name=entry.name, kind=entry.kind, is_township=entry.is_township))
            added += 1
    return added
