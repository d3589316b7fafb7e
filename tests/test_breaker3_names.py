"""Hostile names in the contact form (附件4): a name the office imports becomes a registered name on records, cards
and printed papers, so it must be text a record can carry — no control characters (a Word notice cannot hold
them), no characters that reorder or hide text (U+202E) — and HTML in it is shown as typed. Through the dispatcher,
on SQLite and PostgreSQL."""

from __future__ import annotations

from aiogram.types import Contact as TgContact
from sqlmodel import select

from bot.channels import telegram_address
from bot.domain import HazardState
from storage.models_reminders import Contact
from tests.chat_helpers import actor_of, open_first
from tests.conftest import Harness
from tests.document_reading import pdf_pages
from tests.inbox_helpers import documents
from tests.lifecycle_factories import hazard

HEAD = "单位名称,类别,姓名,部门及职务,办公电话,手机号码\n"


async def _upload(h: Harness, rows: str) -> str:
    office = await h.bind(7401, "office", "区安委会办公室")
    await office.say("/contacts_import")
    await office.file((HEAD + rows).encode("utf-8"), "附件4.csv", "text/csv")
    return office.last_text()


async def test_a_name_with_control_or_reordering_characters_is_refused_at_import(harness: Harness) -> None:
    for bad in ("张\x01三", "张\u202e三", "张\u200b三", "张\x7f三"):
        said = await _upload(harness, f"建外街道,联系人员,{bad},科员,,13901230011\n")
        assert "未导入任何数据" in said and "第2行 姓名" in said, (bad, said)
    async with harness.core.uow() as u:
        assert (await u.session.exec(select(Contact))).all() == []


async def test_an_html_name_is_shown_as_typed_on_cards_and_papers(harness: Harness) -> None:
    h = harness
    name = "<b>李</b>&amp;"
    said = await _upload(h, f"区安委会办公室,联系人员,{name},科员,,13901230012\n")
    assert "已导入" in said, said
    office = await h.bind(7402, "office", "区安委会办公室", "小李")
    card = TgContact(phone_number="13901230012", first_name="李", user_id=office.user.id)
    await office._feed(h.factory.message(office.user, contact=card))
    actor = await h.core.services.users.touch(telegram_address(7402), "小李", "zh-hans")
    assert actor.record_name == name
    await hazard(h.core.uow, actor, state=HazardState.REGISTERED, site_name="某某仓库")
    await open_first(office, "/find 某某仓库")
    history = await office.press("全过程记录")
    shown = "\n".join(office.texts(history))
    assert name in shown, shown  # texts() gives the text as the reader sees it: the HTML shown, not applied
    await open_first(office, "/find 某某仓库")
    sent = await office.press("一患一案")
    text = "".join(pdf_pages(documents(sent)[0].data))
    assert "<b>李</b>" in text, text
    await open_first(office, "/find 某某仓库")
    sent = await office.press("隐患整改通知书")
    assert documents(sent), office.texts(sent)


async def test_a_reimport_of_one_unit_keeps_the_name_binding_chose(harness: Harness) -> None:
    """One mobile in two units' entries under two spellings: binding takes the first entry's name (one mobile,
    one person), and re-importing the second unit alone does not switch the records to its spelling."""
    h = harness
    rows = "建外街道,联系人员,张三,科员,,13901230013\n朝外街道,联系人员,张叁,科员,,13901230013\n"
    assert "已导入" in await _upload(h, rows)
    chat = h.chat(7403, "小张")
    card = TgContact(phone_number="13901230013", first_name="张", user_id=chat.user.id)
    await chat._feed(h.factory.message(chat.user, contact=card))
    assert (await actor_of(h, chat)).record_name == "张三"
    assert "已导入" in await _upload(h, "朝外街道,联系人员,张叁,副科长,,13901230013\n")
    assert (await actor_of(h, chat)).record_name == "张三"
    assert "已导入" in await _upload(h, "建外街道,联系人员,张山,科员,,13901230013\n")  # a corrected first entry
    assert (await actor_of(h, chat)).record_name == "张山"
