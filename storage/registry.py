"""The unit registry: townships and departments from ``config/data`` (copied from shared/data)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession


@dataclass(frozen=True)
class UnitEntry:
    code: str
    name: str
    kind: str
    is_township: bool


def _read(name: str) -> list[dict[str, str]]:
    text = (resources.files("config") / "data" / name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def registry() -> tuple[UnitEntry, ...]:
    """Every unit: the 43 townships (NBS 2023 codes), then the 35 departments as ``dept-NN``."""
    townships = [UnitEntry(r["code"], r["name"], r["kind"], True) for r in _read("townships.csv")]
    departments = [
        UnitEntry(f"dept-{i:02d}", r["name"], r["kind"], False)
        for i, r in enumerate(_read("departments.csv"), start=1)
    ]
    return tuple(townships + departments)


def townships() -> tuple[UnitEntry, ...]:
    return tuple(u for u in registry() if u.is_township)


def departments() -> tuple[UnitEntry, ...]:
    return tuple(u for u in registry() if not u.is_township)


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
