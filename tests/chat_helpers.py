"""What the chat tests of the life cycle share: the buttons every form shows, what the bot sent to whom, and the
few steps (open a command's first choice, a hazard's card, the acting person) those tests take again and again."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage
from sqlalchemy import delete
from sqlmodel import SQLModel, col, select

from bot.channels import telegram_address
from bot.local_chat import LocalChat, plain
from bot.services.actors import Actor
from storage.db import create_engine, make_uow_factory
from storage.models import Hazard, Membership, Photo
from tests.chat_script import Tap, answer
from tests.conftest import Harness
from tests.forms_flow import KEEP, SUBMIT, fill_hazard_until_review, rectification_until_review
from tests.lifecycle_factories import hazard

T = TypeVar("T", bound=SQLModel)



CAST = {  # the people of the life cycle's chat tests: name → role, unit
    "李检查": ("inspector", "建外街道"), "赵复查": ("inspector", "建外街道"), "王审核": ("reviewer", "建外街道"),
    "刘领导": ("leader", "建外街道"), "陈联络": ("contact", "建外街道"), "朝外审核": ("reviewer", "朝外街道"),
    "张办公室": ("office", "区安委会办公室"), "孙办公室": ("office", "区安委会办公室"),
}


async def bind_cast(h: Harness, people: dict[int, str]) -> list[LocalChat]:
    """Bind each person of ``people`` (Telegram user id → a name of ``CAST``) with the role and unit ``CAST``
    gives that name; their chats, in the order given."""
    return [await h.bind(user_id, *CAST[name], name) for user_id, name in people.items()]


def last_text(h: Harness, chat: LocalChat) -> str:
    """The last text the bot sent to (or edited in) this person's chat; "" when none."""
    texts = chat.texts([m for m in h.session.requests if getattr(m, "chat_id", None) == chat.user.id])
    return texts[-1] if texts else ""


def last_told(chat: LocalChat) -> str:
    """The last thing this person was told: a message sent to (or edited in) their chat, or a pressed button's
    alert (a press refused as not theirs is told by its alert alone); "" when none."""
    for m in reversed(chat.session.requests):
        if isinstance(m, AnswerCallbackQuery) and m.show_alert:
            return m.text or ""
        if isinstance(m, SendMessage | EditMessageText) and m.chat_id == chat.user.id:
            return plain(m.text or "")
    return ""


def sent_to(h: Harness, to: LocalChat | int) -> list[str]:
    """The plain texts of the messages the bot sent (not edited) to a chat (or chat id), oldest first."""
    chat_id = to.user.id if isinstance(to, LocalChat) else to
    return [plain(m.text) for m in h.session.requests if isinstance(m, SendMessage) and m.chat_id == chat_id]


async def open_first(chat: LocalChat, command: str) -> None:
    """Send ``command`` and press its first choice (e.g. the first hazard of a list)."""
    await chat.say(command)
    await chat.press(1)


async def card(chat: LocalChat, number: str) -> list[str]:
    """Open the card of the hazard numbered ``number`` through /find; its buttons' texts."""
    await open_first(chat, f"/find {number}")
    return [b.text for b in chat.buttons()]


async def correcting_one_photo_hazard(h: Harness, chat: LocalChat) -> Hazard:
    """``chat`` submits a hazard at 甲仓库 with one photo and opens its card's ✏️ 修改; the stored hazard."""
    await fill_hazard_until_review(chat, site="甲仓库", album=1)
    await chat.press("提交")
    [row] = await stored(h, Hazard)
    await card(chat, row.draft_number or "")
    await chat.press("✏️ 修改")
    return row


async def hazard_row(h: Harness, hid: int) -> Hazard:
    """The hazard ``hid`` as stored now."""
    async with h.core.uow() as u:
        row = await u.session.get(Hazard, hid)
        assert row is not None
        return row


async def stored(h: Harness, model: type[T]) -> list[T]:
    """Every row of ``model``'s table as stored now."""
    async with h.core.uow() as u:
        return list((await u.session.exec(select(model))).all())


async def supervise(chat: LocalChat, level: str, requirement: str, deadline: str, responsible: str) -> None:
    """On the supervision form (挂牌督办 pressed): choose ``level``, answer the requirement, the deadline
    (``YYYY-MM-DD``) and the person responsible, and submit."""
    await answer(chat, Tap(level), requirement, deadline, responsible, Tap("提交"))


async def actor_of(h: Harness, chat: LocalChat) -> Actor:
    """The person behind ``chat`` as the services see them."""
    return await h.core.services.users.touch(telegram_address(chat.user.id), chat.user.first_name, "zh-hans")


async def reinspect_passed(chat: LocalChat, who: str = "赵复查") -> None:
    """On an open hazard's re-inspection choice, record a passed re-inspection of today by ``who`` (no photos)."""
    await chat.press("复查合格")
    await chat.press(KEEP)  # the date: today
    await chat.say(who)  # who went
    await chat.press("完成")
    await chat.press(SUBMIT)


async def reinspect_failed_until_photos(chat: LocalChat, who: str = "赵复查", reason: str = "灭火器未到位",
                                        new_deadline: str | None = "2018-11-30") -> None:
    """On an open hazard's re-inspection choice, answer a failed re-inspection of today by ``who`` up to its
    photos: the reason and the new deadline (YYYY-MM-DD; None: left at its question)."""
    await answer(chat, Tap("复查不合格"), Tap(KEEP), who, reason)  # KEEP: the date, today; ``who`` went
    if new_deadline is not None:
        await chat.say(new_deadline)


async def reinspect_failed(chat: LocalChat, photo: Path, who: str = "赵复查", reason: str = "灭火器未到位",
                           new_deadline: str = "2018-11-30") -> None:
    """On an open hazard's re-inspection choice, record a failed re-inspection of today by ``who``, with the
    reason, the new deadline (YYYY-MM-DD) and one photo."""
    await reinspect_failed_until_photos(chat, who, reason, new_deadline)
    await chat.photo(photo)
    await chat.press("完成")
    await chat.press(SUBMIT)


async def report_rectification(chat: LocalChat, photo: Path) -> None:
    """On an open hazard's choices, report its rectification (``rectification_until_review``) and submit it."""
    await rectification_until_review(chat, photo)
    await chat.press(SUBMIT)


async def five_implementations_begun(h: Harness, base: int, home: str = "建外街道") -> LocalChat:
    """A registered major hazard of ``home`` whose reviewer (王审核, user ``base + 1``) has answered the first of
    the five implementations (责任: 房东张三) and is asked the next; the inspector is ``base``, the district
    office ``base + 2``. Returns the reviewer's chat."""
    await h.bind(base, "inspector", home, "李检查")
    reviewer = await h.bind(base + 1, "reviewer", home, "王审核")
    office = await h.bind(base + 2, "office", "区安委会办公室", "张办公室")
    actor = await h.core.services.users.touch(telegram_address(base), "李检查", "zh-hans")
    await hazard(h.core.uow, actor, level="重大隐患")
    await open_first(reviewer, "/review")
    await reviewer.press("审核通过")
    await open_first(office, "/office")
    await office.press("确认挂账")
    await open_first(reviewer, "/find 张XX出租房")
    await reviewer.press("填写五落实")
    await reviewer.say("房东张三")
    return reviewer


async def remove_roles_elsewhere(database_url: str, user_id: int) -> None:
    """Take every role of ``user_id`` away through another engine, as another instance or the command line
    would: this process's commit hook never sees it, so its actor cache keeps the roles."""
    engine = create_engine(database_url)
    try:
        async with make_uow_factory(engine)() as u:
            await u.session.exec(delete(Membership).where(col(Membership.user_id) == user_id))  # type: ignore[call-overload]
            await u.commit()
    finally:
        await engine.dispose()


async def ranking_lines(office: LocalChat) -> list[str]:
    """Every line of /rank under its title, page after page (its pager's line included)."""
    await office.say("/rank")
    lines = office.last_text().splitlines()[1:]
    while any(b.text == "下一页 ▶" for b in office.buttons()):
        await office.press("下一页 ▶")
        lines += office.last_text().splitlines()[1:]
    return lines


async def at_rejection_reason(h: Harness, inspector_id: int, reviewer_id: int, site: str) -> tuple[LocalChat, LocalChat, int]:
    """李检查 (``inspector_id``) submits a hazard at ``site`` with one photo; 王审核 (``reviewer_id``) opens it
    from /review and presses 驳回: (inspector, reviewer at the 驳回理由 question, the hazard's id)."""
    inspector, reviewer = await bind_cast(h, {inspector_id: "李检查", reviewer_id: "王审核"})
    await fill_hazard_until_review(inspector, site=site, album=1)
    await inspector.press("提交")
    [row] = await stored(h, Hazard)
    await open_first(reviewer, "/review")
    await reviewer.press("驳回")
    return inspector, reviewer, row.id or 0


async def photos_on_record(h: Harness, hazard_id: int) -> list[int]:
    """The ids of hazard ``hazard_id``'s photos, oldest first."""
    async with h.core.uow() as u:
        return [i for i in (await u.session.exec(select(Photo.id).where(Photo.hazard_id == hazard_id)
                                                 .order_by(Photo.id))).all() if i is not None]  # type: ignore[arg-type]


async def at_resubmission_photos(h: Harness, inspector_id: int, reviewer_id: int, site: str, reason: str,
                                 number: str) -> tuple[LocalChat, LocalChat, int, list[int]]:
    """``at_rejection_reason``, rejected for ``reason``; the inspector then opens the rejected hazard ``number``'s
    correction at its photos question: (inspector, reviewer, the hazard's id, its photos' ids)."""
    inspector, reviewer, hid = await at_rejection_reason(h, inspector_id, reviewer_id, site)
    await reviewer.say(reason)
    await reviewer.press(SUBMIT)
    on_record = await photos_on_record(h, hid)
    await card(inspector, number)
    await inspector.press("修改后重新提交")
    await inspector.press("修改：隐患照片")
    return inspector, reviewer, hid, on_record
