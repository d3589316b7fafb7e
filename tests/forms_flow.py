"""Filling the two forms through the dispatcher, the way an inspector does on the phone."""

from __future__ import annotations

from pathlib import Path

from bot.local_chat import LocalChat
from tests.chat_script import Tap, answer, shows

PHOTOS = Path(__file__).resolve().parent / "data" / "photos"
KEEP, SUBMIT = "保持当前值", "✅ 提交"  # a form's "keep the current value" and its review card's submit


async def fill_hazard_until_review(chat: LocalChat, *, site: str = "张XX出租房", album: int = 3) -> None:
    """Answer every question of /hazard (a township inspector: the township is pre-filled)."""
    await fill_hazard_until_photos(chat, site=site)
    await chat.album([PHOTOS / f"landscape_{i}.jpg" for i in range(1, album + 1)])
    await chat.press("完成")
    await finish_hazard(chat)


async def hazard_site(chat: LocalChat, site: str = "张XX出租房") -> None:
    """/hazard as a township inspector: the township kept, ``site`` typed as the site name."""
    await chat.say("/hazard")
    await chat.press("保持当前值")
    await chat.say(site)


async def finish_hazard(chat: LocalChat) -> None:
    await chat.say("第一批挂账")
    assert "提交前请核对" in chat.last_text(), chat.last_text()


async def photos_done(chat: LocalChat, count: int) -> None:
    """At 隐患照片: press Done, answer the remarks; the review card counts ``count`` photos."""
    await chat.press("完成")
    await finish_hazard(chat)
    assert f"隐患照片：{count} 张" in chat.last_text(), chat.last_text()


async def fill_hazard_until_photos(chat: LocalChat, *, site: str = "张XX出租房", pin: bool = True,
                                   address: str = "建国门外大街永安里8号") -> None:
    """``pin``: a location pin before the typed address (without: the address alone; a pin is never the
    address)."""
    await shows(chat, "/hazard", "所属街乡")
    await answer(chat, Tap("保持当前值"), site)
    if pin:
        await chat.location(39.9087, 116.4605)
        assert "位置已记录" in chat.last_text()
    await chat.say(address)
    await answer_hazard_from_person(chat)


async def answer_hazard_from_person(chat: LocalChat) -> None:
    """The questions of /hazard from the person in charge to the deadline."""
    assert "负责人" in chat.last_text(), chat.last_text()
    await answer(chat, "张三", "13912345678", Tap("民营企业"), "25", "北京某某集团有限公司", Tap("区房管局"))
    await answer(chat, "消防")  # typed short form, matched to the registry: 朝阳消防支队
    await answer(chat, Tap("保持当前值"), "出租房内私拉电线，电动自行车室内充电，安全出口堵塞。")
    await answer(chat, Tap("重点消防"), Tap("村民宅基地出租房屋"), Tap("重大隐患"), Tap("集体土地违建"), "120.5", "80")
    await answer(chat, "责任人张三；拆除违建、清理电线；资金2万元；2018年12月底前；制定应急预案")
    await shows(chat, "2018-12-31", "隐患照片")


async def fill_inspection_until_review(chat: LocalChat, *, pick_hazards: list[str] = (), penalty: str = "责令整改",  # type: ignore[assignment]
                                      photos: list[bytes] = ()) -> None:  # type: ignore[assignment]
    await answer(chat, "/inspect", Tap("今天"), Tap("保持当前值"), Tap("日常检查"), "3", Tap("保持当前值"))
    await answer(chat, "张XX出租房", "建国门外大街永安里8号")
    for number in pick_hazards:
        await chat.press(number)
    await chat.press("完成" if pick_hazards else "无")
    await chat.press(penalty)
    if penalty == "罚款":
        await chat.say("0.5")
    for photo in photos:
        await chat.photo(photo)
    await chat.press("完成" if photos else "跳过")
    await chat.press("跳过")
    assert "提交前请核对" in chat.last_text(), chat.last_text()


async def rectification_until_review(chat: LocalChat, photo: Path, responsible: str | None = None) -> None:
    """On an open hazard's choices, fill its rectification report up to the review card: ``responsible`` typed
    first when the hazard names none, the five implementations kept as they are, one acceptance photo."""
    await chat.press("报告整改")
    if responsible is not None:
        await chat.say(responsible)
    while any(b.text.endswith(KEEP) for b in chat.buttons()):
        await chat.press(KEEP)
    await chat.photo(photo)
    await chat.press("完成")
