"""A unit as people type it, read from the store: one reading for ``/invite``, ``/users``, ``/setrole``,
``/submissions`` and ``/status`` (``storage.registry.match_unit``: code, exact name, a township's or a
department's short or former name, a zone's alias, or the one unit whose name holds the words)."""

from __future__ import annotations

from functools import cache

from sqlmodel import or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.errors import UnknownUnit
from storage.models import Unit
from storage.registry import PLACE_WORDS, department_aliases, match_unit, name_key, registry, suggest_units

#: how the names of units end (区应急局, 安贞街道, 区安委会办公室, 朝阳消防支队 …): a word ending so is meant as a unit
UNIT_ENDINGS = ("局", "街道", "地区", "乡", "委", "委会", "办", "办公室", "队", "所", "中心", "公司", "企业", "分局")


async def unit_named(session: AsyncSession, text: str) -> Unit | None:
    """The stored unit ``text`` names (``match_unit``; a stored unit's own code or exact name too), or None."""
    text = text.strip()
    named = match_unit(text)
    found = (await session.exec(select(Unit).where(or_(Unit.code == text, Unit.name == text,
                                                       Unit.code == (named.code if named else text))))).first()
    return found if found is not None and found.id is not None else None


async def find_unit(session: AsyncSession, text: str) -> Unit:
    """``unit_named``, or raises ``UnknownUnit`` (``unit``: ``text`` as typed, stripped and shortened
    (``shown_unit_name``); ``suggestions``: up to
    three registry names that look like it, 、-joined, or empty)."""
    found = await unit_named(session, text)
    if found is None:
        raise UnknownUnit(unit=shown_unit_name(text), suggestions="、".join(suggest_units(text, limit=3)))
    return found


#: the most characters of an unknown unit's name said back: the registry's longest name is about 20; 5000 typed
#: would push the suggestions after them out of a message (Telegram's 4096) or off a terminal's screen
UNIT_NAME_SHOWN = 40


def shown_unit_name(text: str) -> str:
    """``text`` stripped, cut to ``UNIT_NAME_SHOWN`` characters with "…" when longer: a unit name as said back."""
    text = text.strip()
    return text if len(text) <= UNIT_NAME_SHOWN else text[: UNIT_NAME_SHOWN - 1].rstrip() + "…"


@cache
def _unit_spellings() -> tuple[str, ...]:
    """Every unit's name, short forms and aliases (``department_aliases``: 区安监局 …), as ``name_key`` folds them."""
    words = {name_key(w) for u in registry() for w in (u.name, *u.aliases)}
    words |= {name_key(w) for pair in department_aliases().items() for w in pair}
    return tuple(sorted(words))


def looks_like_unit(text: str) -> bool:
    """Whether ``text`` (a word searched for, not a unit ``match_unit`` names) reads as a unit's name rather than a
    site's or an address's: two characters or more held in a unit's name or alias (安监 of 区安监局), or ending
    as units' names end (``UNIT_ENDINGS``: 应急办, 房管所). 小区, 幸福村, a number and a place (``PLACE_WORDS``:
    北京, held in 中国铁路北京局集团有限公司 only as its city) do not."""
    key = name_key(text)
    return len(key) >= 2 and key not in PLACE_WORDS and (key.endswith(UNIT_ENDINGS) or any(key in w for w in _unit_spellings()))
