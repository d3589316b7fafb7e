"""Hostile form steps through the real dispatcher on SQLite and PostgreSQL, aimed at the draft a step now reads with
Core columns and attaches to its session (``forms._active_held``/``_attached``): the same button twice at once, a
submit racing another step, a late album photo after a cancel, and the stored draft after each."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import Update
from sqlmodel import select

from bot.channels import telegram_address
from bot.domain import Role
from bot.local_chat import LocalChat
from storage.models import Draft, Hazard, Photo
from tests.chat_helpers import SUBMIT, actor_of
from tests.conftest import FailureLog, Harness
from tests.forms_flow import PHOTOS, fill_hazard_until_photos, fill_hazard_until_review
from tests.scale.conftest import open_cluster

HOME = "110105001"


async def _drafts(h: Harness, chat: LocalChat) -> list[Draft]:
    user_id = (await actor_of(h, chat)).user_id
    async with h.core.uow() as u:
        return list((await u.session.exec(select(Draft).where(Draft.user_id == user_id)
                                          .order_by(Draft.id))).all())  # type: ignore[arg-type]


async def _drafts_of(core: Any, chat: LocalChat) -> list[Draft]:
    actor = await core.services.users.touch(telegram_address(chat.user.id), chat.user.first_name, "zh-hans")
    async with core.uow() as u:
        return list((await u.session.exec(select(Draft).where(Draft.user_id == actor.user_id)
                                          .order_by(Draft.id))).all())  # type: ignore[arg-type]


async def _hazards(h: Harness) -> list[Hazard]:
    async with h.core.uow() as u:
        return list((await u.session.exec(select(Hazard))).all())


async def _both(chat: LocalChat, *updates: object) -> list[object]:
    """Feed ``updates`` at once, as two taps reaching two of the dispatcher's tasks; the bot's calls for all."""
    before = len(chat.session.requests)
    await asyncio.gather(*(chat._feed(u) for u in updates))
    return list(chat.session.requests[before:])


async def test_a_double_tap_on_submit_at_once_registers_one_hazard_and_closes_the_form(
        harness: Harness, failures: FailureLog) -> None:
    h = harness
    chat = await h.bind(85001, "inspector", HOME, "王检查")
    await fill_hazard_until_review(chat)
    submit = chat.latest_button(SUBMIT)
    tap = h.factory.callback(chat.user, submit.message, submit.callback_data or "")
    again = h.factory.callback(chat.user, submit.message, submit.callback_data or "")
    await _both(chat, tap, again)
    assert not failures.records, failures.messages()
    assert len(await _hazards(h)) == 1
    [draft] = await _drafts(h, chat)
    assert draft.status == "submitted", draft.status
    sent = await chat.say("/hazard")  # a new form, not the old one resumed
    assert "继续" not in " ".join(chat.texts(sent)), chat.texts(sent)
    assert [d.status for d in await _drafts(h, chat)] == ["submitted", "active"]


async def test_the_same_answer_button_twice_at_once_advances_one_question(harness: Harness,
                                                                           failures: FailureLog) -> None:
    h = harness
    chat = await h.bind(85002, "inspector", HOME, "王检查")
    await chat.say("/hazard")
    [keep] = [b for b in chat.buttons() if "保持当前值" in b.text]
    taps = [h.factory.callback(chat.user, keep.message, keep.callback_data or "") for _ in range(2)]
    sent = await _both(chat, *taps)
    assert not failures.records, failures.messages()
    [draft] = await _drafts(h, chat)
    assert draft.history == ["township"], draft.history
    answered = {m.callback_query_id for m in sent if isinstance(m, AnswerCallbackQuery)}
    assert answered == {t.callback_query.id for t in taps if t.callback_query}, sent  # both taps are answered


async def test_submit_and_cancel_at_once_leave_one_outcome(harness: Harness, failures: FailureLog) -> None:
    h = harness
    chat = await h.bind(85003, "inspector", HOME, "王检查")
    await fill_hazard_until_review(chat)
    submit = chat.latest_button(SUBMIT)
    tap = h.factory.callback(chat.user, submit.message, submit.callback_data or "")
    await _both(chat, tap, h.factory.text(chat.user, "/cancel"))
    assert not failures.records, failures.messages()
    [draft] = await _drafts(h, chat)
    hazards = await _hazards(h)
    assert (draft.status, len(hazards)) in {("submitted", 1), ("active", 0), ("cancelled", 0)}, (draft.status, hazards)


async def test_a_photo_and_a_text_answer_at_once_both_land(harness: Harness, failures: FailureLog) -> None:
    h = harness
    chat = await h.bind(85004, "inspector", HOME, "王检查")
    await fill_hazard_until_photos(chat)
    photo = chat.photo_update(PHOTOS / "landscape_1.jpg")
    other = chat.photo_update(PHOTOS / "landscape_2.jpg")
    await _both(chat, photo, other)
    assert not failures.records, failures.messages()
    [draft] = await _drafts(h, chat)
    assert len(draft.data.get("photos") or []) == 2, draft.data.get("photos")


async def test_a_late_album_photo_after_cancel_keeps_the_form_closed(harness: Harness, failures: FailureLog) -> None:
    h = harness
    chat = await h.bind(85005, "inspector", HOME, "王检查")
    await fill_hazard_until_photos(chat)
    first, late = (chat.photo_update(PHOTOS / f"landscape_{i}.jpg", "late-album-85005") for i in (1, 2))
    await chat._feed(first)
    await chat.say("/cancel")
    await chat.press("确认放弃")
    sent = await chat._feed(late)
    assert not failures.records, failures.messages()
    [draft] = await _drafts(h, chat)
    assert draft.status == "cancelled", draft.status
    async with h.core.uow() as u:
        photos = (await u.session.exec(select(Photo).where(Photo.draft_id == draft.id))).all()
    assert len(photos) == 1, photos
    assert all("Error" not in t and "error" not in t for t in chat.texts(sent)), chat.texts(sent)


async def test_submitted_then_the_old_review_buttons_are_stale(harness: Harness, failures: FailureLog) -> None:
    h = harness
    chat = await h.bind(85006, "inspector", HOME, "王检查")
    await fill_hazard_until_review(chat)
    buttons = chat.buttons()
    await chat.press(SUBMIT)
    for b in buttons:
        if b.callback_data:
            await chat.press_button(b)
    assert not failures.records, failures.messages()
    assert len(await _hazards(h)) == 1
    assert [d.status for d in await _drafts(h, chat)] == ["submitted"]



@pytest.mark.parametrize("count", [1, 2])
async def test_the_same_update_delivered_twice_at_once_is_applied_once(database_url: str, tmp_path: Path,
                                                                       failures: FailureLog, count: int) -> None:
    """A webhook retried while its first delivery is still handled (``count`` 2: by another instance)."""
    async with open_cluster(database_url, tmp_path / "data", count=count) as cluster:
        chat = await cluster.bind(85007)
        await fill_hazard_until_photos(chat)
        instances = cluster.instances

        async def twice(update: Update) -> None:
            await asyncio.gather(*(instances[i % count].dp.feed_update(instances[i % count].bot, update)
                                   for i in range(2)))

        core = cluster.core
        await twice(chat.photo_update(PHOTOS / "landscape_1.jpg"))
        [draft] = await _drafts_of(core, chat)
        assert len(draft.data.get("photos") or []) == 1, draft.data
        async with core.uow() as u:
            assert len((await u.session.exec(select(Photo).where(Photo.draft_id == draft.id))).all()) == 1
        [done] = [b for b in chat.buttons() if b.text.startswith("完成")]
        await twice(cluster.factory.callback(chat.user, done.message, done.callback_data or ""))
        [draft] = await _drafts_of(core, chat)
        assert draft.history.count("photos") == 1 and draft.step == "remarks", (draft.step, draft.history)
        await twice(cluster.factory.text(chat.user, "第一批挂账"))
        [draft] = await _drafts_of(core, chat)
        assert draft.reviewing and draft.data.get("remarks") == "第一批挂账", draft.data.get("remarks")
        submit = chat.latest_button(SUBMIT)
        await twice(cluster.factory.callback(chat.user, submit.message, submit.callback_data or ""))
        assert not failures.records, failures.messages()
        async with core.uow() as u:
            assert len((await u.session.exec(select(Hazard))).all()) == 1
        assert [d.status for d in await _drafts_of(core, chat)] == ["submitted"]


async def test_a_person_of_several_roles_and_units_fills_and_submits_one_form(harness: Harness,
                                                                              failures: FailureLog) -> None:
    """The draft's row comes back once per role held (``_ACTIVE_HELD`` joins the memberships): it is one draft."""
    h = harness
    chat = await h.bind(85008, "inspector", HOME, "王检查")
    for role, unit in (("reviewer", HOME), ("inspector", "朝外街道"), ("reviewer", "朝外街道")):
        issued = await h.core.services.invites.issue(Role(role), unit, issuer=None)
        await chat.say(f"/bind {issued.code}")
    await fill_hazard_until_review(chat)
    await chat.press(SUBMIT)
    assert not failures.records, failures.messages()
    [hazard] = await _hazards(h)
    assert [d.status for d in await _drafts(h, chat)] == ["submitted"]
    assert hazard.site_name == "张XX出租房"
