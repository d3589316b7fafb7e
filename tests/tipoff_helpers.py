"""Shared steps of the tip-off conversation tests (driven through the real dispatcher)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from aiogram.methods import EditMessageText, SendMediaGroup, SendMessage, SendPhoto
from PIL import Image
from sqlalchemy import update
from sqlmodel import select

from bot.local_chat import LocalChat, plain
from storage.models import Hazard, User
from storage.models_tipoffs import TipOff
from storage.types import utcnow

PHOTOS = Path(__file__).resolve().parent / "data" / "photos"
SANLITUN = "110105004"
ADDRESS = "朝阳区三里屯街道幸福村中路12号"
LAT, LON = 39.93418, 116.45212
DESCRIPTION = "幸福村中路12号地下室住了很多人，楼道里还在给电动车充电"


async def report(chat: LocalChat, *, photos: list[Path] | None = None, contact: str | None = None,
                 address: str = ADDRESS, lat: float = LAT, lon: float = LON, description: str = DESCRIPTION) -> str:
    """A member of the public reports; returns the tracking number."""
    await chat.say("/report")
    assert "隐患情况" in last(chat), last(chat)
    await chat.say(description)
    if photos:
        await chat.album(photos) if len(photos) > 1 else await chat.photo(photos[0])
        await chat.press("完成")
    else:
        await chat.press("跳过")
    await chat.location(lat, lon, address)
    assert "所在街乡" in last(chat), last(chat)
    await chat.press("保持当前")
    assert "联系方式" in last(chat)
    if contact:
        await chat.say(contact)
    else:
        await chat.press("跳过")
    await chat.press("提交")
    text = last(chat)
    assert "受理编号" in text, text
    return text.split("受理编号：")[1].split()[0]


def last(chat: LocalChat) -> str:
    """The latest text this chat received (other people's notices go to other chats)."""
    texts = sent_to(chat.user.id, chat.session, edits=True)
    return texts[-1] if texts else ""


def sent_to(chat_id: int, session: Any, edits: bool = False) -> list[str]:
    """Plain texts of every message sent to ``chat_id``."""
    kinds = (SendMessage, EditMessageText) if edits else (SendMessage,)
    return [plain(m.text) for m in session.requests if isinstance(m, kinds) and int(m.chat_id or 0) == chat_id]


def everything_not_to(chat_id: int, session: Any) -> str:
    """Every text, caption and file name sent or edited in any chat except ``chat_id``."""
    parts = []
    for m in session.requests:
        target = getattr(m, "chat_id", None)
        if target is not None and int(target) == chat_id:
            continue
        if isinstance(m, SendMessage | EditMessageText):
            parts.append(m.text)
            if m.reply_markup is not None:
                parts += [b.text + (b.callback_data or "") for row in m.reply_markup.inline_keyboard for b in row]
        if isinstance(m, SendPhoto):
            parts.append(m.caption or "")
        if isinstance(m, SendMediaGroup):
            parts += [str(item.caption or "") for item in m.media]
    return "\n".join(parts)


def images_sent(session: Any, chat_id: int) -> list[bytes]:
    """The bytes of every photo uploaded to ``chat_id`` (albums and single photos)."""
    out = []
    for m in session.requests:
        if getattr(m, "chat_id", None) is None or int(m.chat_id) != chat_id:
            continue
        if isinstance(m, SendMediaGroup):
            out += [item.media.data for item in m.media]
        elif isinstance(m, SendPhoto) and hasattr(m.photo, "data"):
            out.append(m.photo.data)
    return out


def gps_of(data: bytes) -> dict[int, Any]:
    """The GPS block of an image's EXIF (empty when there is none)."""
    with Image.open(io.BytesIO(data)) as img:
        return dict(img.getexif().get_ifd(0x8825))


def has_exif(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as img:
        return bool(img.getexif()) or b"Exif\x00\x00" in data or "xmp" in img.info


async def tipoff(harness: Any, number: str) -> TipOff:
    async with harness.core.uow() as u:
        found = (await u.session.exec(select(TipOff).where(TipOff.number == number))).one()
        u.session.expunge(found)
        return found


async def set_tipoff_status(harness: Any, number: str, status: str) -> None:
    """Tip-off ``number`` takes ``status`` elsewhere (its hazard fixed again after a reopening)."""
    async with harness.core.uow() as u:
        await u.session.exec(update(TipOff).where(TipOff.number == number).values(  # type: ignore[call-overload]
            status=status, updated_at=utcnow()))
        await u.commit()


async def set_hazard_state(harness: Any, hazard_id: int, state: str) -> None:
    """The hazard changes state elsewhere (the ledger import, a script), then ``mirror_hazard`` runs and the
    sender delivers the notices it queued."""
    async with harness.core.uow() as u:
        await u.session.exec(update(Hazard).where(Hazard.id == hazard_id).values(state=state))  # type: ignore[call-overload]
        await u.commit()
    await harness.core.services.tipoffs.mirror_hazard(hazard_id)
    await harness.deliver()


async def user_id(harness: Any, telegram_id: int) -> int:
    """Our user id of the person with ``telegram_id``."""
    async with harness.core.uow() as u:
        return (await u.session.exec(select(User.id).where(User.address == str(telegram_id)))).one()


async def verify_as_hazard(inspector: LocalChat, *, submit: bool = True, site: str = "幸福村中路12号出租房",
                           level: str = "一般隐患", deadline: str | None = None) -> None:
    """The inspector presses 查实 on the open card and completes the pre-filled hazard form: ``site`` typed as
    the site's name, ``level`` pressed, ``deadline`` typed (``YYYY-MM-DD``; None: the button "in 7 days")."""
    await inspector.press("查实")
    assert "所属街乡" in last(inspector), last(inspector)
    await inspector.press("保持当前")  # township
    await inspector.say(site)
    await inspector.press("保持当前")  # address + pin from the tip-off
    await inspector.say("张三")
    await inspector.say("13912345678")
    await inspector.press("个人")
    await inspector.say("12")
    await inspector.press("跳过")  # parent group
    await inspector.press("跳过")  # district department
    await inspector.press("跳过")  # city department
    assert "举报" in last(inspector)  # source pre-filled
    await inspector.press("保持当前")
    await inspector.press("保持当前")  # description
    await inspector.press("重点消防")
    await inspector.press("村民宅基地出租房屋")
    await inspector.press(level)
    await inspector.press("无")
    await inspector.say("清理地下室住人，拆除楼道充电线路，落实责任人")
    await (inspector.press(2) if deadline is None else inspector.say(deadline))  # 2: in 7 days
    assert "隐患照片" in last(inspector), last(inspector)
    if "当前" not in last(inspector):  # the tip-off came without photos: the inspector takes one
        await inspector.photo(PHOTOS / "landscape_1.jpg")
    await inspector.press("完成")
    await inspector.press("跳过")  # remarks
    if submit:
        await inspector.press("提交")
        assert "隐患已提交" in last(inspector), last(inspector)
