"""A half-answered multi-step input survives a restart of the process (a form's draft in the database; the
conversation state in the database when Redis is not configured, ``storage.fsm_storage``), on SQLite and
PostgreSQL; a question of the step-by-step life-cycle input of before, left open in that state, is carried over
to its form with what was answered."""

from __future__ import annotations

from pathlib import Path

from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import select

from bot.channels import telegram_address
from bot.clock import fixed_clock
from storage.fsm_storage import SqlStorage
from storage.models_scale import ConversationState
from tests.chat_helpers import five_implementations_begun, open_first
from tests.conftest import TODAY, open_harness
from tests.lifecycle_factories import hazard

HOME, OFFICE = "建外街道", "区安委会办公室"


async def test_five_implementations_half_typed_before_a_restart_are_finished_after_it(
    database_url: str, tmp_path: Path
) -> None:
    clock = fixed_clock(TODAY)
    async with open_harness(database_url, tmp_path, clock, stored_state=True) as h:
        reviewer = await five_implementations_begun(h, 401, HOME)  # answered: the responsibility
        await reviewer.press("保持当前值")   # measures
        await reviewer.say("2.5")            # funds (万元); the deadline is asked next
        assert "整改时限" in reviewer.last_text()

    # a new process: nothing in memory, the same database
    async with open_harness(database_url, tmp_path, clock, stored_state=True) as h:
        reviewer = h.chat(402, "王审核")
        await reviewer.say("2018-12-31")     # deadline, typed
        await reviewer.say("专人值守")        # contingency plan: the last step
        await reviewer.press("提交")
        assert "更新五落实" in reviewer.last_text(), reviewer.last_text()
        office = h.chat(403, "张办公室")
        await open_first(office, "/find 张XX出租房")
        card = office.last_text()
        assert "责任：房东张三" in card and "资金（万元）：2.5" in card and "预案：专人值守" in card, card
        async with h.core.engine.connect() as conn:  # the form kept no conversation state (/find keeps its filters)
            rows = (await conn.execute(select(ConversationState.state, ConversationState.data))).all()
            assert [state for state, _ in rows if state is not None] == []
            assert all(set(data) <= {"find_filters"} for _, data in rows), rows


async def test_a_question_left_open_by_the_old_step_by_step_input_goes_on_as_its_form(
    database_url: str, tmp_path: Path
) -> None:
    clock = fixed_clock(TODAY)
    async with open_harness(database_url, tmp_path, clock, stored_state=True) as h:
        await h.bind(411, "inspector", HOME, "李检查")
        reviewer = await h.bind(412, "reviewer", HOME, "王审核")
        actor = await h.core.services.users.touch(telegram_address(411), "李检查", "zh-hans")
        hid = await hazard(h.core.uow, actor, level="重大隐患")
        # as handlers/lifecycle_input.py left it: 五落实 with the responsibility and the funds answered
        context = h.dp.fsm.get_context(h.bot, reviewer.user.id, reviewer.user.id)
        await context.set_state("LifecycleInput:answering")
        await context.set_data({
            "op": "plan", "hid": hid, "vid": None, "photos": [], "doc": None, "current": {},
            "steps": ["deadline", "contingency_plan"],
            "answers": {"responsibility": "房东张三", "measures": "清理堆物", "funds": "2.5"},
        })

    async with open_harness(database_url, tmp_path, clock, stored_state=True) as h:  # the new version
        reviewer = h.chat(412, "王审核")
        texts = reviewer.texts(await reviewer.say("2018-12-31"))  # the deadline, as the old question asked
        assert texts[0].startswith("您正在回答的问题已改为表单（五落实）继续填写"), texts
        assert "应急预案" in texts[-1], texts  # the typed deadline answered the form's question
        await reviewer.say("专人值守")
        review = reviewer.last_text()
        for answer in ("房东张三", "清理堆物", "2.5", "2018-12-31", "专人值守"):
            assert answer in review, (answer, review)
        await reviewer.press("提交")
        assert "更新五落实" in reviewer.last_text(), reviewer.last_text()
        assert await h.dp.fsm.get_context(h.bot, reviewer.user.id, reviewer.user.id).get_state() is None


async def test_state_and_data_are_written_through_and_read_back_by_a_new_storage(database_url: str, tmp_path: Path) -> None:
    async with open_harness(database_url, tmp_path) as h:
        key = StorageKey(bot_id=42, chat_id=7, user_id=7)
        first = SqlStorage(h.core.engine)
        assert await first.get_state(key) is None and await first.get_data(key) == {}
        await first.set_state(key, "LifecycleInput:answering")
        await first.update_data(key, {"op": "rectify", "answers": {"funds": "2.5"}})
        data = await first.get_data(key)
        data["op"] = "changed by the caller"  # a copy: the stored data does not change with it
        second = SqlStorage(h.core.engine)
        assert await second.get_state(key) == "LifecycleInput:answering"
        assert await second.get_data(key) == {"op": "rectify", "answers": {"funds": "2.5"}}
        await second.set_state(key, None)
        await second.set_data(key, {})
        assert await SqlStorage(h.core.engine).get_state(key) is None
        tiny = SqlStorage(h.core.engine, remember=1)  # memory full: starts afresh, the table still answers
        other = StorageKey(bot_id=42, chat_id=8, user_id=8)
        await tiny.set_state(other, "ReportStates:waiting")
        await tiny.get_state(key)
        assert await tiny.get_state(other) == "ReportStates:waiting"


async def test_old_questions_about_another_units_hazard_or_unreadable_are_dropped_not_shown(
    database_url: str, tmp_path: Path
) -> None:
    clock = fixed_clock(TODAY)
    async with open_harness(database_url, tmp_path, clock, stored_state=True) as h:
        mine = await h.bind(421, "reviewer", HOME, "王审核")
        theirs = await h.bind(422, "reviewer", "朝外街道", "外单位")
        owner = await h.core.services.users.touch(telegram_address(theirs.user.id), "外单位", "zh-hans")
        async with h.core.uow() as u:
            from storage.models import Unit
            other = (await u.session.exec(select(Unit.code).where(Unit.name == "朝外街道"))).one()[0]
        hid = await hazard(h.core.uow, owner, unit=other, site_name="机密外单位场所")
        context = h.dp.fsm.get_context(h.bot, mine.user.id, mine.user.id)
        await context.set_state("LifecycleInput:answering")  # e.g. the hazard was transferred away meanwhile
        await context.set_data({"op": "plan", "hid": hid, "answers": {}, "photos": []})
        texts = mine.texts(await mine.say("你好"))
        assert not any("机密外单位场所" in t for t in texts), texts  # nothing of another unit's hazard
        assert texts[-1].startswith("当前没有正在填写的表单"), texts  # no form was opened on it
        for damaged in ({"op": "plan", "hid": "abc"}, {"op": "plan", "hid": 10**30}, {"op": "rectify", "hid": hid,
                        "photos": ["x"]}, {"op": "plan", "hid": hid, "answers": ["x"]}):
            await context.set_state("LifecycleInput:answering")
            await context.set_data(damaged)
            texts = mine.texts(await mine.say("/start"))
            assert texts and not any("系统出现问题" in t for t in texts), (damaged, texts)  # answered as usual
