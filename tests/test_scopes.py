"""Scopes as the plan draws them (issue 16 items 3, 4), through the dispatcher on SQLite and PostgreSQL: a scope ×
record matrix (cards opened or refused, /status counts), /status UNIT for every kind of unit, /rank paging through
every unit with hazard duties, and typed supervising departments matched to the registry.

The ledger (clock 2019-06-12): six registered hazards —
  h1 by 建外 in 建外, industry 区房管局        h2 by 朝外 in 朝外, city department 朝阳消防支队
  h3 by 朝阳消防支队 in 建外, its own industry  h4 by CBD管委会 in 建外 (CBD zone), industry 区房管局
  h5 by 区房管局 in 朝外, no industry          h6 by 建外 in 朝外 (recorded outside its township), industry 区住房城乡建设委
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlmodel import select

from bot.clock import fixed_clock
from bot.services.hazard_query import in_unit_scope, scope_pairs, zone_of
from bot.services.summary import compute_status
from handlers.hazard_callbacks import HazardCb
from storage.models import Hazard, Unit
from storage.registry import match_unit, registry, suggest_units
from tests.chat_helpers import last_told
from tests.chat_script import Tap, answer, shows
from tests.conftest import Harness, open_harness
from tests.summary_ledger import RULES, hazard, sh, unit, user

NOW = sh(date(2019, 6, 12), 10)
REFUSED = "未找到，或不在您的权限范围内。"

#: who sees which hazards (方案 三): recorded by the unit, located in the township, its industry, its zone
EXPECTED = {
    ("inspector", "建外街道"): {"h1", "h3", "h4", "h6"},
    ("leader", "建外街道"): {"h1", "h3", "h4", "h6"},
    ("reviewer", "朝外街道"): {"h2", "h5", "h6"},
    ("reviewer", "区房管局"): {"h1", "h4", "h5"},
    ("inspector", "朝阳消防支队"): {"h2", "h3"},
    ("inspector", "CBD管委会"): {"h4"},
    ("leader", "区政府"): {"h1", "h2", "h3", "h4", "h5", "h6"},
    ("office", "区安委会办公室"): {"h1", "h2", "h3", "h4", "h5", "h6"},
}


async def _build(h: Harness) -> dict[str, int]:
    async with h.core.uow() as u:
        s = u.session
        jw, cw = await unit(s, "110105001"), await unit(s, "110105002")
        by_name = {x.name: x for x in (await s.exec(select(Unit))).all()}
        fire, housing, cbd = by_name["朝阳消防支队"], by_name["区房管局"], by_name["CBD管委会"]
        me = await user(s, 9)

        def at(town: Unit) -> dict[str, object]:
            return {"township_code": town.code, "township": town.name}

        reg = sh(date(2019, 3, 1))
        rows = {
            "h1": hazard(jw, me, state="registered", registered=reg, district_department="区房管局",
                         deadline=date(2019, 6, 1)),
            "h2": hazard(cw, me, state="registered", registered=reg, city_department="朝阳消防支队",
                         deadline=date(2019, 6, 1)),
            "h3": hazard(fire, me, state="registered", registered=reg, district_department="朝阳消防支队", **at(jw)),
            "h4": hazard(cbd, me, state="registered", registered=reg, district_department="区房管局",
                         zone_id=zone_of(cbd), **at(jw)),
            "h5": hazard(housing, me, state="registered", registered=reg, level="重大隐患", **at(cw)),
            "h6": hazard(jw, me, state="registered", registered=reg, district_department="区住房城乡建设委",
                         deadline=date(2019, 6, 1), **at(cw)),
        }
        s.add_all(rows.values())
        await s.flush()
        ids = {k: int(v.id) for k, v in rows.items()}  # type: ignore[arg-type]
        await u.commit()
    return ids


@pytest.fixture
async def h(database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with open_harness(database_url, tmp_path, clock=fixed_clock(NOW)) as harness:
        yield harness


async def test_each_scope_opens_exactly_the_cards_the_plan_gives_it(h: Harness) -> None:
    ids = await _build(h)
    sites = {}
    async with h.core.uow() as u:
        for name, hid in ids.items():
            sites[name] = (await u.session.get(Hazard, hid)).site_name  # type: ignore[union-attr]
    for n, ((role, unit_name), seen) in enumerate(EXPECTED.items()):
        chat = await h.bind(700 + n, role, unit_name)
        for name, hid in ids.items():
            await chat._feed(h.factory.callback(chat.user, chat._message_for(SimpleNamespace(message_id=1)),
                                                HazardCb(id=hid, a="o").pack()))
            text = last_told(chat)
            if name in seen:
                assert sites[name] in text, (role, unit_name, name, text)
            else:
                assert text == REFUSED, (role, unit_name, name, text)
        # /find over every address answers the same set
        await chat.say("/find 测试路")
        found = {name for name in ids if sites[name] in chat.last_text()}
        assert found == seen, (role, unit_name, found)


async def test_status_counts_the_scope_of_every_kind_of_unit(h: Harness) -> None:
    ids = await _build(h)
    office = await h.bind(801, "office", "区安委会办公室")
    expected_open = {"朝外街道": 3, "建外": 4, "区房管局": 3, "消防": 2, "CBD": 1, "奥运功能区": 0}
    titles = {"朝外街道": "朝外街道", "建外": "建外街道", "区房管局": "区房管局", "消防": "朝阳消防支队", "CBD": "CBD管委会",
              "奥运功能区": "奥林匹克公园管委会"}
    for typed, n in expected_open.items():
        await office.say(f"/status {typed}")
        text = office.last_text()
        assert f"{titles[typed]}城市安全隐患治理情况" in text, text
        assert f"在账隐患 {n} 项" in text, (typed, text)
    await office.say("/status")
    assert "在账隐患 6 项" in office.last_text()
    await office.say("/status 朝外")
    assert "超期 2 项" in office.last_text()  # h2 and h6 (h6 recorded by 建外, located in 朝外)
    await office.say("/status 市住建委")
    assert "没有名为“市住建委”的单位" in office.last_text() and "区住房城乡建设委" in office.last_text()
    await office.say("/status 火星基地")  # nothing alike: no empty "did you mean"
    assert "没有名为“火星基地”的单位。请发送" in office.last_text() and "您是否要找" not in office.last_text()
    leader = await h.bind(802, "leader", "建外街道")
    await leader.say("/status")
    assert "在账隐患 4 项" in leader.last_text()
    await leader.say("/status 朝外街道")
    assert leader.last_text().startswith("您只能查看本单位（建外街道）的情况：请发送 /status"), leader.last_text()
    # the SQL forms of the one rule agree: a unit's clause and the per-unit pairs of the ranking
    async with h.core.uow() as u:
        units = (await u.session.exec(select(Unit))).all()
        pairs = scope_pairs()
        rows = (await u.session.exec(select(pairs.c.scope_unit_id, pairs.c.hazard_id))).all()  # type: ignore[call-overload]
        for x in units:
            direct = set((await u.session.exec(select(Hazard.id).where(in_unit_scope(x.id)))).all())  # type: ignore[arg-type]
            assert direct == {hid for uid, hid in rows if uid == x.id}, x.name
        assert len(rows) == len(set(rows))  # each (unit, hazard) once
        # the ranking's line of every unit (one district pass) says what that unit's own /status says
        district = await compute_status(u.session, NOW, rules=RULES)
        for line in district.units:
            own = await compute_status(u.session, NOW, line.unit_id, rules=RULES)
            assert (line.open, line.overdue, line.major_open) == (own.open, own.overdue, own.major_open), line.unit_name
            assert line.rectification == own.rectification, line.unit_name
    lines = {x.unit_name: (x.open, x.overdue) for x in district.units}
    assert lines["朝外街道"] == (3, 2) and lines["建外街道"] == (4, 2) and lines["区房管局"] == (3, 1)
    assert lines["朝阳消防支队"] == (2, 1) and lines["CBD管委会"] == (1, 0) and lines["区住房城乡建设委"] == (1, 1)
    assert ids


async def test_rank_pages_through_every_unit_with_hazard_duties(h: Harness) -> None:
    await _build(h)
    duty = {e.name for e in registry() if e.duties}
    assert len(duty) == 43 + 31 + 5 and "区财政局" not in duty and "区安委会办公室" not in duty
    leader = await h.bind(901, "leader", "朝外街道")  # a township's leader sees the same 通报
    await leader.say("/rank")
    seen: list[str] = []
    pages = 0
    while True:
        text = leader.last_text()
        pages += 1
        # a unit's line: its place (when it has one), its name, then its numbers after an ideographic space
        seen += [re.sub(r"^\d+\. ", "", line.split("\u3000")[0]) for line in text.splitlines()[1:] if "\u3000" in line]
        labels = [b.text for b in leader.buttons()]
        if "下一页 ▶" not in labels:
            break
        await leader.press("下一页 ▶")
    assert pages == 4 and "第 61–79 个单位，共 79 个" in text
    assert len(seen) == len(set(seen)) == 79 and set(seen) == duty


def test_typed_supervising_departments_are_matched_to_the_registry() -> None:
    for typed, name in [("消防", "朝阳消防支队"), ("朝阳区消防救援支队", "朝阳消防支队"), ("公安", "公安朝阳分局"),
                        ("交警", "朝阳交通支队"), ("燃气集团", "市燃气集团朝阳供应企业"), ("区应急管理局", "区应急局"), ("区安监局", "区应急局"), ("应急局", "区应急局"),
                        ("电子城", "中关村朝阳园管委会"), ("朝外", "朝外街道")]:
        found = match_unit(typed)
        assert found is not None and found.name == name, typed
    assert match_unit("市住建委") is None
    assert "区住房城乡建设委" in suggest_units("市住建委")


async def test_a_typed_city_department_is_matched_or_refused_with_suggestions(h: Harness) -> None:
    from storage.models import Draft

    chat = await h.bind(950, "inspector", "建外街道")
    await answer(chat, "/hazard", Tap("保持当前值"), "张XX出租房", "建国门外大街永安里8号")
    await answer(chat, "张三", "13912345678", Tap("民营企业"), "25", "北京某某集团有限公司")
    await shows(chat, "房管局", "所属市行业部门")  # the district department typed: matched too
    cities = [b.text for b in chat.buttons()]  # 附件2 填表说明 9: only city bodies' branches (市级单位)
    assert "朝阳消防支队" in cities and "公安朝阳分局" in cities, cities
    assert not [c for c in cities if c.startswith("区")] and "市燃气集团朝阳供应企业" not in cities, cities
    await chat.say("市住建委")
    refusal = chat.texts()[-2:]
    assert any("“市住建委”不在部门名录中" in t for t in refusal), refusal
    assert "所属市行业部门" in chat.last_text()  # the same question again
    await chat.say("房管局")  # a district department: refused with the city-level ones it may mean
    refusal = chat.texts()[-2:]
    assert any("“区房管局”不是市级行业部门" in t for t in refusal), refusal
    assert "所属市行业部门" in chat.last_text()
    await chat.say("交警")
    assert "隐患来源" in chat.last_text(), chat.last_text()
    async with h.core.uow() as u:
        draft = (await u.session.exec(select(Draft).where(Draft.status == "active"))).one()
    assert (draft.data["district_department"], draft.data["city_department"]) == ("区房管局", "朝阳交通支队")


async def test_a_zone_committees_entry_lies_in_its_zone_and_its_township(harness: Harness) -> None:
    from tests.forms_flow import PHOTOS, answer_hazard_from_person, finish_hazard

    chat = await harness.bind(960, "inspector", "CBD管委会")
    await chat.say("/hazard")
    await chat.press("建外街道")  # the township the site lies in is asked as for everyone
    await chat.say("国贸某写字楼")
    await chat.say("建国门外大街1号")
    await answer_hazard_from_person(chat)
    await chat.album([PHOTOS / "landscape_1.jpg"])
    await chat.press("完成")
    await finish_hazard(chat)
    await chat.press("提交")
    assert "隐患已提交" in chat.last_text(), chat.last_text()
    async with harness.core.uow() as u:
        made = (await u.session.exec(select(Hazard))).one()
        cbd = (await u.session.exec(select(Unit).where(Unit.code == "zone-01"))).one()
    assert (made.unit_id, made.zone_id, made.township_code) == (cbd.id, cbd.id, "110105001")
    township = await harness.bind(961, "reviewer", "建外街道")
    await township.say("/find 国贸")
    assert "国贸某写字楼" in township.last_text()
    other_zone = await harness.bind(962, "leader", "奥林匹克公园管委会")
    await other_zone.say("/find 国贸")
    assert "国贸某写字楼" not in other_zone.last_text()


def test_a_contacts_sheet_may_name_a_zone_committee_by_its_full_name() -> None:
    from bot.services.contacts_import import _UnitLookup

    lookup = _UnitLookup([(1, "zone-01", "CBD管委会"), (2, "dept-02", "朝阳消防支队"), (3, "110105002", "朝外街道")])
    assert lookup.find("北京商务中心区管理委员会") == (1, "CBD管委会")
    assert lookup.find("朝阳区消防救援支队") == (2, "朝阳消防支队")
    assert lookup.find("朝外街道办事处") == (3, "朝外街道")
    assert lookup.find("不存在的单位") is None
