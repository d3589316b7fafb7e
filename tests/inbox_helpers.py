"""What the inbox tests share: a harness whose clock can be moved (a month's submissions, read after the month),
real documents made here (a PDF, a Word file), and the files the bot sent back."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from aiogram.methods import SendDocument
from aiogram.types import BufferedInputFile
from docx import Document
from fpdf import FPDF

from bot.clock import Clock
from bot.local_chat import LocalChat
from tests.conftest import Harness, open_harness

SHANGHAI = ZoneInfo("Asia/Shanghai")


class MovableClock:
    """The instant the harness's clock reads; ``at`` is moved by the test."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def clock(self) -> Clock:
        return Clock(lambda: self.at, SHANGHAI)


@asynccontextmanager
async def inbox_harness(database_url: str, tmp_path: Path, at: datetime) -> AsyncIterator[tuple[Harness, MovableClock]]:
    moving = MovableClock(at)
    async with open_harness(database_url, tmp_path, clock=moving.clock()) as h:
        yield h, moving


async def at_quarterly_summary(h: Harness, user_id: int) -> LocalChat:
    """A contact of 建外街道 (李联系) bound and asked, by /report_info, for the unit's 季度工作总结."""
    contact = await h.bind(user_id, "contact", "建外街道", "李联系")
    await contact.say("/report_info")
    await contact.press("季度工作总结")
    return contact


def make_pdf(words: str = "November work information") -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=14)
    pdf.cell(0, 10, words)
    return bytes(pdf.output())


def make_docx(words: str = "Typical case: rental housing inspection") -> bytes:
    doc = Document()
    doc.add_paragraph(words)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def documents(methods: list[object]) -> list[BufferedInputFile]:
    """The files sent among ``methods``."""
    return [m.document for m in methods if isinstance(m, SendDocument)]  # type: ignore[misc]
