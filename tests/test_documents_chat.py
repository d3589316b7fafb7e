"""The documents from the hazard's card, through the dispatcher: the office issues a rectification notice
(a .docx sent as a file, recorded on the card), and anyone who reads the hazard gets its case file (PDF).
A forged press for a hazard out of scope sends nothing."""

from __future__ import annotations

import io
from dataclasses import replace

from aiogram.methods import AnswerCallbackQuery, SendDocument
from aiogram.types import BufferedInputFile
from docx import Document

from bot.channels import telegram_address
from bot.domain import HazardState
from handlers.hazard_callbacks import CASE_FILE, HazardCb
from tests.chat_helpers import open_first
from tests.conftest import Harness
from tests.document_reading import pdf_pages
from tests.lifecycle_factories import hazard


def _documents(methods: list[object]) -> list[BufferedInputFile]:
    return [m.document for m in methods if isinstance(m, SendDocument)]  # type: ignore[misc]


async def test_the_card_hands_out_the_notice_and_the_case_file(harness: Harness) -> None:
    h = harness
    office = await h.bind(301, "office", "区安委会办公室", "张办公室")
    contact = await h.bind(302, "contact", "建外街道", "陈联络")
    actor = await h.core.services.users.touch(telegram_address(301), "张办公室", "zh-hans")
    hid = await hazard(h.core.uow, actor, state=HazardState.REGISTERED, site_name="某某仓库")

    await open_first(office, "/find 某某仓库")
    labels = [b.text for b in office.buttons()]
    assert "📄 隐患整改通知书（Word）" in labels and "📄 挂牌督办通知书（Word）" not in labels  # not supervised
    sent = await office.press("隐患整改通知书")
    [notice] = _documents(sent)
    assert notice.filename.startswith("隐患整改通知书-") and notice.filename.endswith(".docx")
    body = "\n".join(p.text for p in Document(io.BytesIO(notice.data)).paragraphs)
    assert "某某仓库" in body and "区安委会办公室（盖章）" in body

    await open_first(office, "/find 某某仓库")
    assert "已出具：隐患整改通知书 朝隐整〔" in office.last_text()

    await open_first(contact, "/find 某某仓库")
    assert "📄 隐患整改通知书（Word）" not in [b.text for b in contact.buttons()]  # a contact issues nothing
    sent = await contact.press("一患一案")
    [pdf] = _documents(sent)
    assert pdf.filename.endswith(".pdf")
    text = "".join(pdf_pages(pdf.data))
    assert "某某仓库" in text and "出具文书" in text and "张办公室" in text

    other = await hazard(h.core.uow, actor, state=HazardState.REGISTERED, unit="110105002")
    card_button = contact.buttons()[0]
    forged = await contact.press_button(replace(card_button, callback_data=HazardCb(id=other, a=CASE_FILE).pack()))
    assert _documents(forged) == []
    assert any(isinstance(m, AnswerCallbackQuery) and m.show_alert for m in forged)
    assert hid != other
