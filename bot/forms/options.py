"""The buttons of a question: static choices, registry sources, the hazard taxonomy, date quick
picks and the unit's hazards. The same function serves the prompt and the interpretation of a press,
so index ``i`` always means the same option."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import HazardState
from bot.forms.engine import FormState
from bot.forms.spec import FieldSpec, hazard_types
from storage.models import Hazard
from storage.registry import (
    UnitEntry,
    city_departments,
    departments,
    supervising_departments,
    townships,
    zones,
)


@dataclass(frozen=True)
class Resolved:
    """An option: what is stored when it is picked, its label, an i18n ``code`` for date picks."""

    value: Any
    label: str
    code: str | None = None


def date_picks(spec: FieldSpec, today: date) -> list[Resolved]:
    """The date buttons of a date field: days ahead for a deadline (``after_today``), else today and the two
    days before; each as (ISO value, ``MM-DD`` label, code)."""
    if spec.after_today:
        offsets = [("tomorrow", 1), ("in_7_days", 7), ("in_15_days", 15), ("in_30_days", 30), ("in_90_days", 90)]
    else:
        offsets = [("today", 0), ("yesterday", -1), ("day_before_yesterday", -2)]
    return [Resolved((today + timedelta(days=d)).isoformat(), f"{today + timedelta(days=d):%m-%d}", code) for code, d in offsets]


#: choice sources whose typed answers are matched to the unit registry (``storage.registry.match_unit``)
REGISTRY_SOURCES = frozenset({"district_departments", "supervising_departments", "city_departments", "units"})


def registry_units(source: str) -> tuple[UnitEntry, ...]:
    """The registry units a ``REGISTRY_SOURCES`` choice offers."""
    if source == "units":
        return (*townships(), *departments(), *zones())
    if source == "city_departments":
        return city_departments()
    return supervising_departments()


def _source(spec: FieldSpec, locale: str) -> list[Resolved]:
    if spec.source == "townships":  # then the field's own choices (群众举报's 不清楚: left to the office)
        return [Resolved(u.name, u.name) for u in townships()] + [Resolved(c.value, c.label(locale)) for c in spec.choices]
    if spec.source in ("district_departments", "supervising_departments"):
        # 附件2 所属区/市行业部门: the departments with duties in 方案 三, district branches of city bodies included
        return [Resolved(u.name, u.name) for u in supervising_departments()]
    if spec.source == "city_departments":  # 附件2 所属市行业部门: the city bodies' branches only (市级单位)
        return [Resolved(u.name, u.name) for u in city_departments()]
    if spec.source == "units":  # every unit a hazard can be handed to: townships, departments, then zones
        return [Resolved(u.name, u.name) for u in (*townships(), *departments(), *zones())]
    return [Resolved(c.value, c.label(locale)) for c in spec.choices]


async def resolve_options(
    session: AsyncSession, spec: FieldSpec, state: FormState, locale: str, today: date, unit_id: int | None
) -> list[Resolved]:
    """Every button of the question ``spec`` in its order (empty for free-text fields)."""
    if spec.type == "choice":
        return _source(spec, locale)
    if spec.type == "tree":
        chosen = state.context.get("tree_category")
        categories = hazard_types()
        if chosen is None:
            return [Resolved(c.name, c.name_en if locale == "en" else c.name) for c in categories]
        return [Resolved(s.value, s.label(locale)) for s in categories[chosen].subtypes]
    if spec.type == "date":
        return date_picks(spec, today)
    if spec.type == "hazard_link":
        rows = (
            await session.exec(
                select(Hazard)
                .where(Hazard.unit_id == unit_id, Hazard.state != HazardState.REJECTED.value)
                .order_by(col(Hazard.id).desc())
                .limit(20)
            )
        ).all()
        return [
            Resolved([h.id, h.ledger_number or h.draft_number], f"{h.ledger_number or h.draft_number} {h.site_name[:16]}")
            for h in rows
        ]
    return []


def match_typed_choice(options: list[Resolved], text: str) -> Any | None:
    """The value of the option whose value or label is ``text`` (ignoring spaces), else None."""
    key = "".join(text.split())
    for option in options:
        if key in (str(option.value), "".join(option.label.split())):
            return option.value
    return None
