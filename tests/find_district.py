"""A generated district for the /find tests (issue 16): every one of the 78 registry units records hazards
(``HAZARDS`` in all, seeded, so every run sees the same data) in every state, type, level and source, with
deadlines around today, registration times across the year (also near midnight, so the zone matters),
industry departments, site names that share words, and open and ended supervisions. Inserted in bulk, once
per module."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlmodel import select

from bot.domain import HazardState
from bot.services.lifecycle import GENERAL, MAJOR, SUPERVISION_LEVELS
from storage.db import UowFactory
from storage.models import Hazard, Unit, User
from storage.models_lifecycle import Supervision
from storage.taxonomy import hazard_types

HAZARDS = 3000
SEED = 16
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
JIANWAI = "110105001"
SITES = ("幸福里", "光华路", "国贸", "三里屯", "望京", "双井", "团结湖")
RESPONSIBLE = ("王督办", "李区长", "赵主任", None)
LEDGER = {HazardState.REGISTERED, HazardState.RECTIFIED, HazardState.CLOSURE_REQUESTED, HazardState.CLOSED}
STATE_WEIGHTS = {HazardState.PENDING_REVIEW: 1, HazardState.PENDING_CONFIRMATION: 1, HazardState.REGISTERED: 6,
                 HazardState.RECTIFIED: 2, HazardState.CLOSURE_REQUESTED: 1, HazardState.CLOSED: 3,
                 HazardState.REJECTED: 1}


async def generate(uow: UowFactory) -> None:
    """Insert the district's hazards and supervisions (the unit registry must be loaded)."""
    rng = random.Random(SEED)
    types = hazard_types()
    async with uow() as u:
        units = (await u.session.exec(select(Unit).order_by(Unit.id))).all()  # type: ignore[arg-type]
        user = User(channel="telegram", address="9000001", full_name="生成")
        u.session.add(user)
        await u.session.flush()
        townships = [x for x in units if x.is_township]
        departments = [x.name for x in units if not x.is_township]
        rows = []
        states, weights = list(STATE_WEIGHTS), list(STATE_WEIGHTS.values())
        for i in range(1, HAZARDS + 1):
            unit = units[i % len(units)]  # every unit records some
            township = unit if unit.is_township and rng.random() < 0.8 else rng.choice(townships)
            state = rng.choices(states, weights)[0]
            category = rng.choice(types)
            registered = (datetime(2026, 1, 1, tzinfo=SHANGHAI) + timedelta(minutes=rng.randrange(340 * 24 * 60))
                          if state in LEDGER else None)
            row = {
                "draft_number": f"D{township.code[-3:]}2026{i:06d}",
                "ledger_number": f"{township.code}2026{i:08d}" if registered else None,
                "registered_at": registered.astimezone(UTC) if registered else None,
                "state": state.value, "version": 1, "unit_id": unit.id, "district": "朝阳区",
                "township_code": township.code, "township": township.name,
                "site_name": f"{rng.choice(SITES)}{i}号", "address": f"{township.name}{rng.choice(SITES)}{i % 97}号院",
                "person_in_charge": "张三", "phone": "13800000000", "entity_nature": "个人", "occupant_count": 3,
                "district_department": rng.choice(departments) if rng.random() < 0.6 else None,
                "source": rng.choices(("检查", "举报", "其他"), (6, 3, 1))[0], "description": "生成的隐患",
                "category": category.name, "subtype": rng.choice(category.subtypes).value if category.subtypes else category.name,
                "level": MAJOR if rng.random() < 0.2 else GENERAL, "illegal_building_nature": "无",
                "measures": "整改", "reinspection_result": "未复查", "created_by": user.id,
                "deadline": None if rng.random() < 0.1 else date(2026, 9, 1) + timedelta(days=rng.randrange(150)),
                "created_at": NOW, "updated_at": NOW,
            }
            if i % 60 == 0:  # the office's question: major fire-safety hazards overdue in 建外街道
                row.update(township_code=JIANWAI, township="建外街道", state=HazardState.REGISTERED.value,
                           category="重点消防", subtype="老旧小区", level=MAJOR,
                           deadline=date(2026, 10, 1) + timedelta(days=rng.randrange(60)),
                           ledger_number=f"{JIANWAI}2026{i:08d}", registered_at=datetime(2026, 9, 1, tzinfo=UTC))
            rows.append(row)
        conn = await u.session.connection()
        await conn.execute(insert(Hazard), rows)
        ids = (await u.session.exec(select(Hazard.id).order_by(Hazard.id))).all()  # type: ignore[arg-type]
        supervisions = [
            {"hazard_id": hid, "level": rng.choice(SUPERVISION_LEVELS), "responsible": rng.choice(RESPONSIBLE),
             "started_by": user.id, "started_at": NOW - timedelta(days=30),
             "ended_at": NOW - timedelta(days=2) if rng.random() < 0.3 else None}
            for hid in ids if rng.random() < 0.15
        ]
        await conn.execute(insert(Supervision), supervisions)
        await u.commit()
