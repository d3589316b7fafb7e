"""A unit as people type it, read from the store: one reading for ``/invite``, ``/users``, ``/setrole``,
``/submissions`` and ``/status`` (``storage.registry.match_unit``: code, exact name, a township's or a
department's short or former name, a zone's alias, or the one unit whose name holds the words)."""

from __future__ import annotations

from sqlmodel import or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.errors import UnknownUnit
from storage.models import Unit
from storage.registry import match_unit, suggest_units


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
