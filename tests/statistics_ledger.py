"""A generated district for the statistics tests: a few hundred hazards over ten units with every field the
statistics group by varied (department or none, nature, source, level, illegal building and areas, states,
registration and closure across the year boundary, 五落实 funds) and inspections with penalties and fines.
Seeded, so both databases hold the same ledger. Also the independent SQL each view is checked against."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlmodel import select

from storage.db import UowFactory
from storage.models import Hazard, HazardEvent, Unit, User
from storage.models_lifecycle import RectificationPlan
from tests.summary_ledger import inspection, sh

NOW = sh(date(2019, 6, 12))
YEAR_START = datetime(2018, 12, 31, 16, tzinfo=UTC)  # 2019-01-01 00:00 Asia/Shanghai
DAY_END = datetime(2019, 6, 12, 16, tzinfo=UTC)  # 2019-06-13 00:00 Asia/Shanghai
TODAY = date(2019, 6, 12)
STATES = ["registered", "rectified", "closure_requested", "closed", "closed", "pending_review", "rejected"]
DEPARTMENTS = [None, "", "区住房城乡建设委", "区消防救援支队", "区市场监管局", "区城管执法局"]
NATURES = ["个人", "民营企业", "市属国有企业", "区属机关企事业单位", "其他"]
SOURCES = ["检查", "举报", "其他"]
ILLEGAL = ["无", "无", "农民宅基地违建", "集体土地违建", "国有土地违建"]
PENALTIES = [None, "无", "责令整改", "罚款", "停产停业", "关闭取缔", "其他"]


def _instant(rng: random.Random) -> datetime:
    return datetime(2018, 9, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(int(3.6e7)))


async def build_district(uow: UowFactory, hazards: int = 300, inspections: int = 200, seed: int = 16) -> list[int]:
    """Insert the generated ledger; returns the ids of the units used (townships first)."""
    rng = random.Random(seed)
    async with uow() as u:
        s = u.session
        units = list((await s.exec(select(Unit).where(Unit.is_township).order_by(Unit.id).limit(8))).all())
        units += list((await s.exec(select(Unit).where(Unit.code.like("dept-%")).order_by(Unit.id).limit(2))).all())  # type: ignore[attr-defined]
        me = User(channel="telegram", address="9016", full_name="生成员")
        s.add(me)
        await s.flush()
        for n in range(hazards):
            owner = rng.choice(units)
            state = rng.choice(STATES)
            created = _instant(rng)
            on_ledger = state not in ("pending_review", "rejected")
            registered = created + timedelta(hours=rng.randrange(200)) if on_ledger else None
            closed = registered + timedelta(days=rng.randrange(1, 150)) if state == "closed" and registered else None
            illegal = rng.choice(ILLEGAL)
            area = Decimal(rng.randrange(1, 90000)) / 100 if illegal != "无" else None
            h = Hazard(
                draft_number=f"G{n:08d}", state=state, unit_id=owner.id, district="朝阳区",  # type: ignore[arg-type]
                township_code=owner.code if owner.is_township else "110105001",
                township=owner.name if owner.is_township else rng.choice(["建外街道", "朝外街道"]),
                site_name=f"场所{n}", address=f"朝阳区生成路{n}号", person_in_charge="张三", phone="13912345678",
                entity_nature=rng.choice(NATURES), occupant_count=rng.randrange(50),
                district_department=rng.choice(DEPARTMENTS), source=rng.choice(SOURCES), description="生成的隐患",
                category="重点消防", subtype="其他", level=rng.choice(["一般隐患"] * 4 + ["重大隐患"]),
                illegal_building_nature=illegal, illegal_area=area,
                demolished_area=(area * rng.choice([0, 1, Decimal("0.5")])).quantize(Decimal("0.01")) if area else None,
                measures="整改", deadline=(created + timedelta(days=rng.randrange(10, 200))).date(),
                created_by=me.id, created_at=created, updated_at=created,  # type: ignore[arg-type]
                registered_at=registered, ledger_number=f"L{n:08d}" if on_ledger else None, closed_at=closed,
            )
            s.add(h)
            await s.flush()
            if closed is not None:
                s.add(HazardEvent(hazard_id=h.id, at=closed, action="close", from_state="closure_requested",  # type: ignore[arg-type]
                                  to_state="closed"))
            if on_ledger and rng.random() < 0.5:
                funds = Decimal(rng.randrange(0, 5_000_000)) / 10_000 if rng.random() < 0.8 else None
                s.add(RectificationPlan(hazard_id=h.id, funds=funds, updated_by=me.id))  # type: ignore[arg-type]
        for _ in range(inspections):
            owner = rng.choice(units)
            on = (_instant(rng) + timedelta(days=rng.randrange(0, 30))).date()
            penalty = rng.choice(PENALTIES)
            fine = Decimal(rng.randrange(1, 200_000)) / 10_000 if penalty == "罚款" else None
            row = inspection(owner, me, on, penalty_type=penalty, fine_amount=fine,
                             township=owner.name if owner.is_township else "朝外街道")
            if rng.random() < 0.05:
                row.voided_at = NOW
            s.add(row)
        await u.commit()
        return [int(x.id) for x in units]  # type: ignore[arg-type]


_LEDGER = "('registered','rectified','closure_requested','closed')"
_OPEN = "('registered','rectified','closure_requested')"
_CLOSED_Y = "h.state = 'closed' AND h.closed_at >= :ys AND h.closed_at < :de"
_REG_Y = "h.registered_at >= :ys AND h.registered_at < :de"


def _if(cond: str, value: str = "1") -> str:
    return f"sum(CASE WHEN {cond} THEN {value} ELSE 0 END)"


#: view → the independent SQL (areas and amounts come back as the stored integers: m² × 100, 万元 × 10 000)
SQL: dict[str, str] = {
    **{view: f"""SELECT coalesce(nullif(h.{key}, ''), '—'), count(*), {_if(f"h.state IN {_OPEN}")},
                 {_if("h.state = 'registered' AND h.deadline < :today")},
                 {_if(f"h.state IN {_OPEN} AND h.level = '重大隐患'")}, {_if(_REG_Y)}, {_if(_CLOSED_Y)}
               FROM hazard h WHERE h.state IN {_LEDGER} AND (:unit IS NULL OR h.unit_id = :unit
                 OR h.township_code = (SELECT code FROM unit WHERE id = :unit AND is_township))
               GROUP BY coalesce(nullif(h.{key}, ''), '—')"""
       for view, key in (("township", "township"), ("department", "district_department"),
                         ("nature", "entity_nature"), ("source", "source"), ("level", "level"))},
    "illegal": f"""SELECT h.township, count(*), {_if("1=1", "coalesce(h.illegal_area, 0)")},
                 {_if("1=1", "coalesce(h.demolished_area, 0)")}, {_if(_REG_Y, "coalesce(h.illegal_area, 0)")},
                 {_if(_CLOSED_Y, "coalesce(h.demolished_area, 0)")}
               FROM hazard h WHERE h.state IN {_LEDGER} AND h.illegal_building_nature <> '无'
                 AND (:unit IS NULL OR h.unit_id = :unit
                 OR h.township_code = (SELECT code FROM unit WHERE id = :unit AND is_township)) GROUP BY h.township""",
    "penalties": f"""SELECT i.township, count(*), {_if("i.penalty_type IS NOT NULL AND i.penalty_type <> '无'")},
                 {_if("i.penalty_type = '责令整改'")}, {_if("i.penalty_type = '罚款'")}, {_if("i.penalty_type = '停产停业'")},
                 {_if("i.penalty_type = '关闭取缔'")}, {_if("i.penalty_type = '其他'")},
                 {_if("1=1", "coalesce(i.fine_amount, 0)")}
               FROM inspection i WHERE i.inspected_on >= :y0 AND i.inspected_on <= :today AND i.voided_at IS NULL
                 AND (:unit IS NULL OR i.unit_id = :unit) GROUP BY i.township""",
    "funds": f"""SELECT h.township, count(*), sum(p.funds), {_if(f"h.state IN {_OPEN}", "p.funds")}
               FROM hazard h JOIN rectification_plan p ON p.hazard_id = h.id
               WHERE h.state IN {_LEDGER} AND p.funds IS NOT NULL AND (:unit IS NULL OR h.unit_id = :unit
                 OR h.township_code = (SELECT code FROM unit WHERE id = :unit AND is_township))
               GROUP BY h.township""",
}
#: the stored scale of each non-count column
SCALES = {"illegal": (0, 2, 2, 2, 2), "penalties": (0, 0, 0, 0, 0, 0, 0, 4), "funds": (0, 4, 4)}


async def expected(uow: UowFactory, view: str, unit_id: int | None, sqlite: bool) -> dict[str, tuple[Any, ...]]:
    """The rows of ``view`` by the independent SQL: key → numbers (counts int, areas and amounts Decimal)."""
    def stamp(v: datetime) -> Any:
        naive = v.astimezone(UTC).replace(tzinfo=None)
        return naive.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else naive

    params = {"ys": stamp(YEAR_START), "de": stamp(DAY_END), "today": TODAY, "y0": date(2019, 1, 1), "unit": unit_id}
    if sqlite:
        params["today"], params["y0"] = TODAY.isoformat(), "2019-01-01"
    sql = SQL[view].replace(":unit IS NULL", "CAST(:unit AS INTEGER) IS NULL")
    params = {k: v for k, v in params.items() if f":{k}" in sql}
    async with uow() as u:
        rows = (await u.session.exec(text(sql).bindparams(**params))).all()  # type: ignore[call-overload]
    scales = SCALES.get(view, (0,) * 6)
    out: dict[str, tuple[Any, ...]] = {}
    for key, *values in rows:
        out[str(key)] = tuple(int(v or 0) if s == 0 else Decimal(int(v or 0)).scaleb(-s) for v, s in zip(values, scales, strict=True))
    return out
