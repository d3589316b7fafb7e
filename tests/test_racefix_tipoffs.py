"""Two people pressing the same tip-off action at once, through the real dispatcher on SQLite and PostgreSQL:
不属实, forwarding, merging, opening a new card (it becomes verifying) and the reporter's 仍未整改 each take
effect once (one state change, one notice to each person told); an addition racing 不属实 lands before the
close or not at all. SQLite ignores ``SELECT … FOR UPDATE``, so the tip-off is locked by
``tipoff_records.lock_tipoff`` before its state is read. Each read of the tip-off is followed by a short pause
(``_slow_reads``) so that both presses have read it before either writes: without the lock both decided on the
same old state. Also: a life-cycle form that lost a race is told it is kept to submit again.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.local_chat import LocalChat
from bot.services.tipoffs import TipOffService
from handlers.callbacks import TipCb, TrackCb
from storage.models_reminders import ReminderOutbox
from storage.models_tipoffs import TipOff
from storage.registry import townships
from tests.conftest import FailureLog, Harness
from tests.tipoff_helpers import SANLITUN, report, sent_to, tipoff, user_id

PAUSE = 0.3  # seconds between reading the tip-off and acting on it


@pytest.fixture(autouse=True)
def _slow_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Widen the window between a service's read of the tip-off and its write."""
    in_scope, own = TipOffService._in_scope, TipOffService._own

    async def slow_in_scope(self: TipOffService, *args: Any, **kwargs: Any) -> TipOff:
        found = await in_scope(self, *args, **kwargs)
        await asyncio.sleep(PAUSE)
        return found

    async def slow_own(self: TipOffService, *args: Any, **kwargs: Any) -> TipOff:
        found = await own(self, *args, **kwargs)
        await asyncio.sleep(PAUSE)
        return found

    monkeypatch.setattr(TipOffService, "_in_scope", slow_in_scope)
    monkeypatch.setattr(TipOffService, "_own", slow_own)


async def _outbox(h: Harness) -> int:
    async with h.core.uow() as u:
        return len((await u.session.exec(select(ReminderOutbox))).all())


async def _at_once(h: Harness, presses: list[tuple[LocalChat, str]]) -> None:
    """Each chat presses its button (callback data) at the same moment, on a message of its own."""
    taps = []
    for chat, data in presses:
        message = chat._message_for(h.session.requests[-1])
        taps.append((chat, h.factory.callback(chat.user, message, data)))
    await asyncio.gather(*(c._feed(t) for c, t in taps))


async def _two_verifiers(h: Harness, base: int) -> tuple[LocalChat, LocalChat, LocalChat, str]:
    first = await h.bind(base, "inspector", SANLITUN, "李检查")
    second = await h.bind(base + 1, "inspector", SANLITUN, "赵检查")
    reporter = h.chat(base + 2, "热心群众")
    return first, second, reporter, await report(reporter)


async def test_not_confirmed_by_two_at_once_closes_once(harness: Harness, failures: FailureLog) -> None:
    h = harness
    first, second, reporter, number = await _two_verifiers(h, 86101)
    tip, queued, told = await tipoff(h, number), await _outbox(h), len(sent_to(reporter.user.id, h.session))
    await _at_once(h, [(c, TipCb(a="rc", id=tip.id or 0, i=i).pack()) for i, c in enumerate((first, second))])
    assert not failures.records, failures.messages()
    after = await tipoff(h, number)
    assert after.status == "not_confirmed" and after.reason in ("no_hazard_found", "already_fixed"), after
    assert await _outbox(h) - queued == 1
    assert len(sent_to(reporter.user.id, h.session)) - told == 1


async def test_forwarded_by_two_at_once_is_forwarded_once(harness: Harness, failures: FailureLog) -> None:
    h = harness
    first, second, reporter, number = await _two_verifiers(h, 86111)
    tip, queued, told = await tipoff(h, number), await _outbox(h), len(sent_to(reporter.user.id, h.session))
    index = next(i for i, u in enumerate(townships()) if u.code != SANLITUN)
    await _at_once(h, [(c, TipCb(a="ff", id=tip.id or 0, i=index).pack()) for c in (first, second)])
    assert not failures.records, failures.messages()
    after = await tipoff(h, number)
    assert (after.status, after.township_code) == ("forwarded", townships()[index].code)
    forwarded = sent_to(reporter.user.id, h.session)[told:]
    assert len(forwarded) == 1, forwarded
    once = await _outbox(h) - queued
    await _at_once(h, [(first, TipCb(a="ff", id=tip.id or 0, i=index).pack())])  # the same press alone: refused
    assert await _outbox(h) - queued == once


async def test_merged_by_two_at_once_is_merged_once(harness: Harness, failures: FailureLog) -> None:
    h = harness
    first, second, _reporter, number = await _two_verifiers(h, 86121)
    again = h.chat(86124, "又一位群众")
    duplicate = await report(again)
    target, tip = await tipoff(h, number), await tipoff(h, duplicate)
    queued, told = await _outbox(h), len(sent_to(again.user.id, h.session))
    data = TipCb(a="m", id=tip.id or 0, k="t", j=target.id or 0).pack()
    await _at_once(h, [(c, data) for c in (first, second)])
    assert not failures.records, failures.messages()
    assert (await tipoff(h, duplicate)).status == "merged"
    assert await _outbox(h) - queued == 1
    assert len(sent_to(again.user.id, h.session)) - told == 1


async def test_a_new_card_opened_by_two_at_once_tells_the_reporter_once(harness: Harness,
                                                                         failures: FailureLog) -> None:
    h = harness
    first, second, reporter, number = await _two_verifiers(h, 86131)
    tip, queued, told = await tipoff(h, number), await _outbox(h), len(sent_to(reporter.user.id, h.session))
    await _at_once(h, [(c, TipCb(a="v", id=tip.id or 0).pack()) for c in (first, second)])
    assert not failures.records, failures.messages()
    assert (await tipoff(h, number)).status == "verifying"
    assert await _outbox(h) - queued == 1
    assert len(sent_to(reporter.user.id, h.session)) - told == 1
    for chat in (first, second):  # both see the card
        assert any(number in t for t in sent_to(chat.user.id, h.session, edits=True)[-3:]), chat.user.id


async def test_not_fixed_pressed_twice_at_once_reopens_once(harness: Harness, failures: FailureLog) -> None:
    h = harness
    first, _second, reporter, number = await _two_verifiers(h, 86141)
    async with h.core.uow() as u:  # the hazard it became was closed: the tip-off reads fixed
        await u.session.exec(update(TipOff).where(col(TipOff.number) == number).values(
            status="fixed", verified_by=await user_id(h, first.user.id)))
        await u.commit()
    queued, told = await _outbox(h), len(sent_to(first.user.id, h.session))
    data = TrackCb(a="nf", n=number).pack()
    await _at_once(h, [(reporter, data), (reporter, data)])
    assert not failures.records, failures.messages()
    assert (await tipoff(h, number)).status == "verifying"
    told_inspector = [t for t in sent_to(first.user.id, h.session)[told:] if "仍未整改" in t]
    assert len(told_inspector) == 1, told_inspector
    assert await _outbox(h) - queued == 2  # the township's two inspectors, once each


def test_a_form_that_lost_a_race_is_told_it_is_kept() -> None:
    """A life-cycle form whose hazard someone else changed meanwhile stays on its review card: the text says so
    instead of sending its author to /find; a button's lost race still points to /find."""
    from bot.i18n_telegram import build_i18n
    from bot.services.errors import StaleAction
    from handlers.error_texts import error_text

    i18n = build_i18n()
    with i18n.context(), i18n.use_locale("zh"):
        kept = error_text(StaleAction(hazard_id=1, form_kept=True))
        assert "其他人刚刚处理了这条隐患" in kept and "已保留" in kept and "/find" not in kept, kept
        assert "/find" in error_text(StaleAction(hazard_id=1))


async def test_a_rectification_overtaken_by_another_change_is_kept_to_submit_again(
        harness: Harness, failures: FailureLog, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.domain import HazardState
    from bot.services.transitions import Transitions
    from storage.models import Draft, Hazard
    from tests.chat_helpers import SUBMIT, actor_of, bind_cast, hazard_row, last_text, open_first
    from tests.conftest import PHOTOS
    from tests.forms_flow import rectification_until_review
    from tests.lifecycle_factories import hazard

    h = harness
    [inspector] = await bind_cast(h, {86151: "李检查"})
    actor = await actor_of(h, inspector)
    hid = await hazard(h.core.uow, actor, state=HazardState.REGISTERED)
    move, overtaken = Transitions.move, list[bool]()

    async def overtaken_once(self: Transitions, actor: Any, row: Any, *args: Any, **kwargs: Any) -> Any:
        if not overtaken:  # someone else's change lands between the form's read and its write
            overtaken.append(True)
            await self.session.exec(update(Hazard).where(col(Hazard.id) == row.id)
                                    .values(version=col(Hazard.version) + 1)
                                    .execution_options(synchronize_session=False))
        return await move(self, actor, row, *args, **kwargs)

    monkeypatch.setattr(Transitions, "move", overtaken_once)
    await open_first(inspector, "/rectify")
    await rectification_until_review(inspector, PHOTOS / "landscape_1.jpg", responsible="房东张三")
    before = len(h.session.requests)
    await inspector.press_button(inspector.latest_button(SUBMIT))
    said = " ".join(str(getattr(m, "text", None) or "") for m in h.session.requests[before:])
    assert "本表未能提交" in said and "/find" not in said and "提交前请核对" in said, said
    assert (await hazard_row(h, hid)).state == "registered"
    async with h.core.uow() as u:
        drafts = (await u.session.exec(select(Draft.status).where(Draft.user_id == actor.user_id))).all()
    assert list(drafts) == ["active"], drafts
    await inspector.press_button(inspector.latest_button(SUBMIT))  # submitted again: done
    assert (await hazard_row(h, hid)).state == "rectified", last_text(h, inspector)
    assert not failures.records, failures.messages()


async def test_an_addition_submitted_while_the_tip_off_is_closed_lands_before_the_close_or_not_at_all(
        harness: Harness, failures: FailureLog) -> None:
    from storage.models_tipoffs import TipOffAddition

    h = harness
    first, _second, reporter, number = await _two_verifiers(h, 86161)
    tip = await tipoff(h, number)
    await reporter.say(f"/add {number}")
    await reporter.say("楼道里的电动车今天还在充电")
    while not any("提交" in b.text for b in reporter.buttons()):
        labels = [b.text for b in reporter.buttons()]
        await reporter.press(next(x for x in labels if x.startswith("完成") or x == "跳过"))
    submit = next(b for b in reporter.buttons() if "提交" in b.text)
    close = h.factory.callback(first.user, first._message_for(h.session.requests[-1]),
                               TipCb(a="rc", id=tip.id or 0, i=0).pack())
    await asyncio.gather(first._feed(close),
                         reporter._feed(h.factory.callback(reporter.user, submit.message, submit.callback_data or "")))
    assert not failures.records, failures.messages()
    assert (await tipoff(h, number)).status == "not_confirmed"
    async with h.core.uow() as u:
        added = (await u.session.exec(select(TipOffAddition))).all()
        rows = (await u.session.exec(select(ReminderOutbox).order_by(col(ReminderOutbox.id)))).all()
    told = [r.rule.rsplit(".", 1)[-1] for r in rows if r.recipient_id != tip.reporter_user_id]
    if added:  # the township heard of the addition before the close, never after it
        assert "tipoff_added" in told, told
    else:
        assert "tipoff_added" not in told, told
    closed_at = max(i for i, r in enumerate(rows) if r.subject.startswith(f"tipoff:{tip.id}@")
                    and r.recipient_id == tip.reporter_user_id)
    assert all(i < closed_at for i, r in enumerate(rows) if r.rule.endswith("tipoff_added")), told
