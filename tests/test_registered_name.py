"""Names on records are the names the contact form (附件4) registers, not Telegram display names (which are
overwritten from Telegram on every update and are often nicknames): a person bound to their 附件4 entry by
sharing their phone signs the notices, the case file (PDF) and the event log with the registered name, and a
submission they send names them so; a corrected form corrects the name. Someone in no form keeps their Telegram
name. Through the dispatcher, on SQLite and PostgreSQL."""

from __future__ import annotations

from aiogram.types import Contact as TgContact
from sqlmodel import select

from bot.channels import telegram_address
from bot.domain import HazardState
from bot.local_chat import LocalChat
from bot.services.contacts_import import ContactEntry, store_contacts
from storage.models import User
from tests.chat_helpers import open_first
from tests.conftest import TODAY, Harness
from tests.document_reading import pdf_pages
from tests.inbox_helpers import documents
from tests.lifecycle_factories import hazard
from tests.reminders import factories as f

NICK = "小张🐱"
OFFICE = "区安委会办公室"


async def _share_phone(h: Harness, chat: LocalChat, phone: str) -> None:
    card = TgContact(phone_number=phone, first_name="张", user_id=chat.user.id)
    await chat._feed(h.factory.message(chat.user, contact=card))
    assert "已通过手机号码绑定" in chat.last_text(), chat.last_text()


async def test_records_and_papers_carry_the_registered_name(harness: Harness) -> None:
    h = harness
    async with h.core.uow() as u:
        office_unit = await f.unit_id(u.session, OFFICE)
        await f.contact(u.session, office_unit, "contact", "张建国", "13901230001")
        await u.commit()
    office = await h.bind(7301, "office", OFFICE, NICK)
    await _share_phone(h, office, "13901230001")
    await office.say("/start")  # another update: the Telegram name is written again, the registered one stays
    actor = await h.core.services.users.touch(telegram_address(7301), NICK, "zh-hans")
    assert (actor.full_name, actor.record_name) == (NICK, "张建国")

    await hazard(h.core.uow, actor, state=HazardState.REGISTERED, site_name="某某仓库")
    await open_first(office, "/find 某某仓库")
    await office.press("隐患整改通知书")
    await open_first(office, "/find 某某仓库")
    sent = await office.press("一患一案")
    [pdf] = documents(sent)
    text = "".join(pdf_pages(pdf.data))
    assert "张建国" in text and "小张" not in text
    await open_first(office, "/find 某某仓库")
    history = await office.press("全过程记录")
    shown = "\n".join(office.texts(history))
    assert "张建国" in shown and "小张" not in shown, shown

    # the office corrects the form: the name on the records follows, the binding is kept
    entry = ContactEntry(2, office_unit, OFFICE, "contact", "张建华", "科员", None, "13901230001")
    async with h.core.uow() as u:
        await store_contacts(u.session, [entry])
        await u.commit()
    sent = await office.press_button(office.latest_button("🖨 一患一案（PDF）"))
    text = "".join(pdf_pages(documents(sent)[0].data))
    assert "张建华" in text and "张建国" not in text and "小张" not in text


async def test_a_submission_names_its_sender_as_registered_and_others_by_telegram(harness: Harness) -> None:
    h = harness
    async with h.core.uow() as u:
        unit = await f.unit_id(u.session, "朝外街道")
        await f.contact(u.session, unit, "contact", "王联系", "13901230002")
        await u.commit()
    contact = h.chat(7311, "王🌸")
    await _share_phone(h, contact, "13901230002")
    unbound = await h.bind(7312, "contact", "朝外街道", "老李")  # by invite: no entry of the form names them
    for chat, words in ((contact, "本月工作信息：检查12家次。"), (unbound, "补充：整改3处。")):
        await chat.say("/report_info")
        await chat.press("工作信息或典型案例")
        await chat.say(words)
        await chat.say("/done")
        assert "已报送完毕" in chat.last_text(), chat.last_text()
    office = await h.bind(7313, "office", OFFICE)
    async with h.core.uow() as u:
        names = (await u.session.exec(select(User.full_name, User.registered_name).order_by(User.id))).all()
        assert ("王🌸", "王联系") in names and ("老李", None) in names
    opened = []
    for n in (1, 2):
        await office.say(f"/submissions {TODAY:%Y-%m} 朝外街道")
        opened.append(" ".join(office.texts(await office.press(n))))
    assert any("报送人：王联系" in t for t in opened) and any("报送人：老李" in t for t in opened), opened
    assert not any("王🌸" in t for t in opened)
