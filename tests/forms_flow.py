"""Filling the two forms through the dispatcher, the way an inspector does on the phone."""

from __future__ import annotations

from pathlib import Path

from bot.local_chat import LocalChat

PHOTOS = Path(__file__).resolve().parent / "data" / "photos"


async def fill_hazard_until_review(chat: LocalChat, *, site: str = "张XX出租房", album: int = 3) -> None:
    """Answer every question of /hazard (a township inspector: the township is pre-filled)."""
    await fill_hazard_until_photos(chat, site=site)
    await chat.album([PHOTOS / f"landscape_{i}.jpg" for i in range(1, album + 1)])
    await chat.press("完成")
    await finish_hazard(chat)


async def finish_hazard(chat: LocalChat) -> None:
    await chat.say("第一批挂账")
    assert "提交前请核对" in chat.last_text(), chat.last_text()


async def fill_hazard_until_photos(chat: LocalChat, *, site: str = "张XX出租房", pin: bool = True,
                                   address: str | None = "建国门外大街永安里8号") -> None:
    """``pin``: a location pin before the typed address (without: the address alone); ``address`` None: the pin
    alone, kept when the door number is asked for."""
    await chat.say("/hazard")
    assert "所属街乡" in chat.last_text()
    await chat.press("保持当前值")
    await chat.say(site)
    if pin:
        await chat.location(39.9087, 116.4605)
        assert "位置已记录" in chat.last_text()
    if address is None:
        await chat.press("保持当前值")
        assert "门牌号" in chat.last_text() and "地址" in chat.last_text(), chat.last_text()
        await chat.press("保持当前值")  # the place has none
    else:
        await chat.say(address)
    await answer_hazard_from_person(chat)


async def answer_hazard_from_person(chat: LocalChat) -> None:
    """The questions of /hazard from the person in charge to the deadline."""
    assert "负责人" in chat.last_text(), chat.last_text()
    await chat.say("张三")
    await chat.say("13912345678")
    await chat.press("民营企业")
    await chat.say("25")
    await chat.say("北京某某集团有限公司")
    await chat.press("区房管局")
    await chat.say("消防")  # typed short form, matched to the registry: 朝阳消防支队
    await chat.press("保持当前值")
    await chat.say("出租房内私拉电线，电动自行车室内充电，安全出口堵塞。")
    await chat.press("重点消防")
    await chat.press("村民宅基地出租房屋")
    await chat.press("重大隐患")
    await chat.press("集体土地违建")
    await chat.say("120.5")
    await chat.say("80")
    await chat.say("责任人张三；拆除违建、清理电线；资金2万元；2018年12月底前；制定应急预案")
    await chat.say("2018-12-31")
    assert "隐患照片" in chat.last_text()


async def fill_inspection_until_review(chat: LocalChat, *, pick_hazards: list[str] = (), penalty: str = "责令整改",  # type: ignore[assignment]
                                      photos: list[bytes] = ()) -> None:  # type: ignore[assignment]
    await chat.say("/inspect")
    await chat.press("今天")
    await chat.press("保持当前值")
    await chat.press("日常检查")
    await chat.say("3")
    await chat.press("保持当前值")
    await chat.say("张XX出租房")
    await chat.say("建国门外大街永安里8号")
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
