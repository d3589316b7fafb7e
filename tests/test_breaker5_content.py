"""Messages of every other kind sent inside a form through the real dispatcher on SQLite and PostgreSQL (a shared
contact, a sticker, a die, a poll, a voice note, a video note): each is answered once in Chinese with the
question asked again, and the draft is unchanged. Someone else's contact card (the person in charge's, say) was
told "share your own number with the button" with no button and no question until ``shared_contact`` let the
form take it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiogram.types import Contact, Dice, Poll, PollOption, Sticker, VideoNote, Voice
from sqlmodel import select

from storage.models import Draft
from tests.chat_helpers import actor_of
from tests.conftest import FailureLog, Harness
from tests.forms_flow import hazard_site

ENGLISH = re.compile(r"[A-Za-z]{3,}( [A-Za-z]{2,}){2,}")
KINDS: dict[str, Any] = {
    "contact": {"contact": Contact(phone_number="+8613912345678", first_name="张\x00三")},
    "sticker": {"sticker": Sticker(file_id="s", file_unique_id="s", type="regular", width=1, height=1,
                                   is_animated=False, is_video=False)},
    "dice": {"dice": Dice(emoji="🎲", value=6)},
    "poll": {"poll": Poll(id="p", question="?", options=[PollOption(text="a", voter_count=0, persistent_id="a")], total_voter_count=0,
                          is_closed=False, is_anonymous=True, type="regular", allows_multiple_answers=False,
                          allows_revoting=False, members_only=False)},
    "voice": {"voice": Voice(file_id="v", file_unique_id="v", duration=3)},
    "video_note": {"video_note": VideoNote(file_id="n", file_unique_id="n", length=1, duration=1)},
}


@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_another_kind_of_message_inside_a_form_asks_again(harness: Harness, failures: FailureLog,
                                                                 kind: str) -> None:
    h = harness
    chat = await h.bind(85901, "inspector", "110105001", "王检查")
    await hazard_site(chat)
    await chat.say("建国门外大街永安里8号")
    assert "负责人" in chat.last_text(), chat.last_text()
    user_id = (await actor_of(h, chat)).user_id
    async with h.core.uow() as u:
        before = (await u.session.exec(select(Draft).where(Draft.user_id == user_id))).one()
    texts = chat.texts(await chat._feed(h.factory.message(chat.user, **KINDS[kind])))
    assert len(texts) == 1 and not ENGLISH.search(texts[0]), texts
    assert "无法使用该内容" in texts[0] and "负责人" in texts[0], texts  # the question asked again
    async with h.core.uow() as u:
        after = (await u.session.exec(select(Draft).where(Draft.user_id == user_id))).one()
    assert (after.data, after.step, after.history) == (before.data, before.step, before.history)
    assert not failures.records, failures.messages()


async def test_someone_elses_card_outside_a_form_is_still_told_to_share_ones_own(harness: Harness,
                                                                                  failures: FailureLog) -> None:
    h = harness
    chat = await h.bind(85902, "inspector", "110105001", "王检查")
    texts = chat.texts(await chat._feed(h.factory.message(chat.user, **KINDS["contact"])))
    assert texts == ["请用按钮分享您本人的手机号码，不要发送他人的名片。"], texts
    assert not failures.records, failures.messages()


async def test_a_reporter_sharing_their_own_card_at_the_contact_question(harness: Harness,
                                                                          failures: FailureLog) -> None:
    from tests.tipoff_helpers import ADDRESS, DESCRIPTION, LAT, LON, last

    h = harness
    chat = h.chat(85903, "热心群众")
    await chat.say("/report")
    await chat.say(DESCRIPTION)
    await chat.press("跳过")
    await chat.location(LAT, LON, ADDRESS)
    await chat.press("保持当前")
    assert "联系方式" in last(chat), last(chat)
    own = Contact(phone_number="+8613912345678", first_name="热心群众", user_id=chat.user.id)
    texts = chat.texts(await chat._feed(h.factory.message(chat.user, contact=own)))
    assert not failures.records, failures.messages()
    assert len(texts) == 1 and "无法使用该内容" in texts[0] and "联系方式" in texts[0], texts  # not about binding
    await chat.say("13912345678")
    await chat.press("提交")
    assert "受理编号" in last(chat), last(chat)
