"""The rectification report's evidence question (整改验收材料) in a chat, shared by the tests of the acceptance
document (``test_acceptance_document_chat``, ``test_breaker2_forms``): reach the question, finish and submit
the form, read what was kept."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from bot.domain import HazardState
from bot.local_chat import Button, LocalChat
from storage.models_lifecycle import Rectification
from tests.chat_helpers import SUBMIT, actor_of, card, open_first
from tests.conftest import Harness
from tests.inbox_helpers import documents
from tests.lifecycle_factories import HOME, hazard

QUESTION = "验收材料"  # the evidence question's label, asked again after a refusal


async def at_the_evidence_question(h: Harness, user_id: int, unit: str = HOME,
                                   role: str = "inspector") -> tuple[LocalChat, int]:
    """An inspector (or ``role``) of ``unit`` (a code; default 建外街道) reporting the rectification of a registered
    general hazard of that unit, asked for evidence; returns the chat and the hazard's id. Tests that report in
    turn give each its own unit, so that each opens its own hazard first."""
    chat = await h.bind(user_id, role, unit, "李检查")
    hid = await hazard(h.core.uow, await actor_of(h, chat), state=HazardState.REGISTERED, unit=unit)
    await open_first(chat, "/rectify")
    await chat.press("报告整改")
    for _ in range(2):  # responsibility: skip; measures: keep (registered: no deadline; 一般隐患: no funds, no plan)
        await chat.press(1)
    assert QUESTION in chat.last_text(), chat.last_text()
    return chat, hid


async def reports(h: Harness, hid: int) -> list[Rectification]:
    """The rectification reports recorded for hazard ``hid``."""
    async with h.core.uow() as u:
        return list((await u.session.exec(select(Rectification).where(Rectification.hazard_id == hid))).all())


async def submitted_report(h: Harness, chat: LocalChat, hid: int) -> Rectification:
    """Finish the evidence question (完成), submit the form and return the one report it recorded."""
    await chat.press("完成")
    await chat.press(SUBMIT)
    [report] = await reports(h, hid)
    return report


def stored_files(h: Harness) -> list[Path]:
    """The files in the project's file store (submitted documents)."""
    root = h.core.settings.effective_photo_dir / "submission-files"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def edit_evidence(chat: LocalChat) -> Button:
    """The review card's 修改 button of the evidence question."""
    [edit] = [b for b in chat.buttons() if b.text.startswith("修改") and "验收" in b.text]
    return edit


async def history_documents(h: Harness, chat: LocalChat, number: str) -> tuple[list[tuple[str, bytes]], list[str]]:
    """Open the hazard's card through /find and press its history: the files sent (name, bytes) and the texts."""
    await card(chat, number)
    before = len(h.session.requests)
    await chat.press("全过程记录及照片")
    sent = h.session.requests[before:]
    return [(f.filename or "", f.data) for f in documents(list[object](sent))], chat.texts(sent)
