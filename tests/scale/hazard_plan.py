"""Filling in the hazard form (附件2), or the inspection form (附件1), through the real dispatcher,
one valid answer per step.

The next answer is chosen from the field the database says is open (``FormService.current``), so a
chat can be continued by any process at any point: after a restart, on another instance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.channels import telegram_address
from bot.core import Core
from bot.local_chat import LocalChat

PHOTO = Path(__file__).resolve().parents[1] / "data" / "photos" / "jolla.jpg"

# field key → ("say", text) | ("press", label or 1-based index) | ("photo", None)
ANSWERS: dict[str, tuple[str, Any]] = {
    "township": ("press", 1),
    "site_name": ("say", "某某出租房"),
    "address": ("say", "朝阳路1号"),
    "person_in_charge": ("say", "张三"),
    "phone": ("say", "13800138000"),
    "entity_nature": ("press", 1),
    "occupant_count": ("say", "5"),
    "parent_group": ("press", "跳过"),
    "district_department": ("press", "跳过"),
    "city_department": ("press", "跳过"),
    "source": ("press", 1),
    "description": ("say", "楼道堆放杂物"),
    "hazard_type": ("press", 1),
    "level": ("press", 1),
    "illegal_building_nature": ("press", 1),
    "measures": ("say", "清理杂物，落实责任人"),
    "deadline": ("say", "2018-11-30"),
    "photos": ("photo", None),
    "remarks": ("press", "跳过"),
}


# the inspection form (附件1): answers for the fields whose first button would not do
INSPECTION_ANSWERS: dict[str, tuple[str, Any]] = {
    "inspected_on": ("say", "2018-10-15"),
    "inspecting_unit": ("say", "建外街道安全科"),
    "inspector_count": ("say", "3"),
    "site_name": ("say", "某某出租房"),
    "address": ("say", "朝阳路1号"),
    "hazards": ("press", "跳过"),
    "fine_amount": ("say", "1.5"),
    "photos": ("press", "跳过"),
    "remarks": ("press", "跳过"),
}


async def where(core: Core, chat: LocalChat) -> Any:
    """The prompt of ``chat``'s open form as stored (kind ``none`` when no form is open)."""
    actor = await core.services.users.touch(telegram_address(chat.user.id), chat.user.full_name, chat.user.language_code)
    return await core.services.forms.current(actor, "zh")


async def step(core: Core, chat: LocalChat) -> str:
    """Give one valid answer to the open question (or submit the review card); returns the field key,
    ``review`` or ``none``. The chat must have seen the current prompt (send ``/resume`` after a restart)."""
    prompt = await where(core, chat)
    if prompt.kind == "none":
        return "none"
    if prompt.kind == "review":
        await chat.press("提交")
        return "review"
    key = prompt.field.key
    if key == "photos" and prompt.current_value:
        await chat.press("完成")
        return key
    plan = ANSWERS if prompt.form_key == "hazard" else INSPECTION_ANSWERS
    how, what = plan.get(key, ("press", 1))
    if how == "say":
        await chat.say(what)
    elif how == "press":
        await chat.press(what)
    else:
        await chat.photo(PHOTO)
    return key


async def fill_and_submit(core: Core, chat: LocalChat, limit: int = 60) -> None:
    """Answer until the form is submitted (raises ``AssertionError`` when it does not end)."""
    for _ in range(limit):
        if await step(core, chat) == "none":
            return
    raise AssertionError(f"form of {chat.user.id} not submitted after {limit} steps: {chat.last_text()}")


async def at_site_name(cluster: Any, user_id: int) -> tuple[LocalChat, Any]:
    """A bound inspector of ``cluster`` whose hazard form asks for the site name, and the text update answering
    it (not fed yet): the update the exactly-once tests feed twice, or race with another claim."""
    chat = await cluster.bind(user_id)
    await chat.say("/hazard")
    await chat.press(1)
    return chat, cluster.factory.text(chat.user, ANSWERS["site_name"][1])
