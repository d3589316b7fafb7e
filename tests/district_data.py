"""A generated district for the list tests (issue 16): the 78 units of the registry with a few thousand hazards in
every state, tip-offs and verification checks, bulk-inserted once (a few seconds) into a migrated database whose
copies the tests then use. Seeded, so every run has the same data; ties in ``created_at`` are made on purpose
(times rounded to the hour) so that the order's last key, the id, matters."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select

from storage.db import create_engine
from storage.models import Hazard, Unit, User
from storage.models_lifecycle import Verification
from storage.models_tipoffs import TipOff

HAZARDS = 3000
HOME = "110105001"  # 建外街道: the township whose reviewer's lists are checked
GENERATOR_TELEGRAM_ID = 990_001
_START = datetime(2018, 6, 1, tzinfo=UTC)
_HOURS = (datetime(2018, 10, 14, tzinfo=UTC) - _START) // timedelta(hours=1)  # all before "today" (2018-10-15)
_STATES = ("pending_review", "pending_confirmation", "registered", "rectified", "closure_requested", "closed",
           "rejected")
_WEIGHTS = (10, 5, 35, 10, 3, 30, 7)
_LEDGER_STATES = {"registered", "rectified", "closure_requested", "closed"}


def _hazard(i: int, rng: random.Random, unit: Unit, township: Unit, state: str, creator: int) -> dict[str, object]:
    created = _START + timedelta(hours=rng.randrange(_HOURS))
    ledger = state in _LEDGER_STATES
    return {
        "draft_number": f"D{unit.code[-3:]}{created:%Y%m%d}{i:05d}",
        "ledger_number": f"{township.code}{created:%Y%m%d}{i:04d}" if ledger else None,
        "registered_at": created if ledger else None,
        "state": state, "version": 1, "unit_id": unit.id, "district": "朝阳区",
        "township_code": township.code, "township": township.name,
        "site_name": f"场所{i:04d}", "address": f"{township.name}某路{i}号", "latitude": None, "longitude": None,
        "person_in_charge": "张三", "phone": "13800000000", "entity_nature": "民营企业", "occupant_count": 10,
        "parent_group": None, "district_department": None, "city_department": None, "source": "检查",
        "description": "消防通道堵塞", "category": "重点消防", "subtype": "其他",
        "level": "重大隐患" if rng.random() < 0.15 else "一般隐患", "illegal_building_nature": "无",
        "illegal_area": None, "demolished_area": None, "measures": "清理通道",
        "deadline": date(2018, 8, 1) + timedelta(days=rng.randrange(150)),
        "reinspected_on": None, "reinspection_result": "未复查", "remarks": None,
        "created_by": creator, "created_at": created, "updated_at": created,
    }


async def generate(url: str) -> None:
    """Fill the migrated database at ``url`` (units loaded) with the district: ``HAZARDS`` hazards spread over all
    units and states, plus 30 more submitted by 建外街道 and 15 open ones recorded by departments in 建外街道;
    35 tip-offs (25 awaiting verification) and 18 verification checks (13 pending)."""
    rng = random.Random(16)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            units = [Unit(**dict(r._mapping)) for r in (await conn.execute(select(Unit.__table__))).all()]  # type: ignore[attr-defined]
            assert len(units) == 83, len(units)  # 43 townships, 35 departments, 5 zone committees
            townships = [u for u in units if u.is_township]
            departments = [u for u in units if not u.is_township]
            home = next(u for u in units if u.code == HOME)
            creator = (await conn.execute(insert(User.__table__).values(  # type: ignore[attr-defined]
                channel="telegram", address=str(GENERATOR_TELEGRAM_ID), full_name="生成数据").returning(User.__table__.c.id))).scalar_one()  # type: ignore[attr-defined]
            rows = []
            for i in range(HAZARDS):
                unit = rng.choice(units)
                township = unit if unit.is_township else rng.choice(townships)
                rows.append(_hazard(i, rng, unit, township, rng.choices(_STATES, _WEIGHTS)[0], creator))
            for i in range(HAZARDS, HAZARDS + 30):
                rows.append(_hazard(i, rng, home, home, "pending_review", creator))
            for i in range(HAZARDS + 30, HAZARDS + 45):
                rows.append(_hazard(i, rng, rng.choice(departments), home, rng.choice(("registered", "rectified")),
                                    creator))
            await conn.execute(insert(Hazard.__table__), rows)  # type: ignore[attr-defined]
            tipoffs = []
            for i in range(35):
                township = rng.choice(townships)
                created = _START + timedelta(hours=rng.randrange(_HOURS))
                status = rng.choice(("received", "verifying", "forwarded")) if i < 25 else "not_confirmed"
                tipoffs.append({
                    "number": f"JB{created:%Y%m%d}{i:04d}", "reporter_user_id": creator,
                    "reporter_channel": "telegram", "reporter_locale": "zh", "contact": None,
                    "description": f"举报{i}：楼道堆放杂物", "township_code": township.code, "township": township.name,
                    "address": "", "latitude": None, "longitude": None, "status": status, "reason": None,
                    "hazard_id": None, "merged_into_id": None, "verified_by": None, "draft_id": None,
                    "created_at": created, "updated_at": created,
                })
            await conn.execute(insert(TipOff.__table__), tipoffs)  # type: ignore[attr-defined]
            closed = (await conn.execute(select(Hazard.__table__.c.id).where(  # type: ignore[attr-defined]
                Hazard.__table__.c.state == "closed").order_by(Hazard.__table__.c.id).limit(18))).scalars().all()  # type: ignore[attr-defined]
            await conn.execute(insert(Verification.__table__), [  # type: ignore[attr-defined]
                {"sample_id": None, "hazard_id": hid, "result": "pending" if n < 13 else "passed", "note": None,
                 "photo_ids": [], "checked_by": None, "checked_at": None}
                for n, hid in enumerate(rng.sample(list(closed), len(closed)))
            ])
    finally:
        await engine.dispose()
