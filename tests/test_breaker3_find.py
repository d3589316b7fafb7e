"""/find against hostile words and scopes, through the dispatcher on SQLite and PostgreSQL: words typed in odd
Unicode (full-width Latin, zero-width and reordering characters pasted with them) mean what they say; an inspector
of one township exports and finds only their township's hazards, a typed number of another's included; a date typed
after the buttons built 超期 with a closed state is not refused for a contradiction the date has no part in."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from aiogram.methods import SendDocument
from openpyxl import load_workbook
from sqlmodel import select

from bot.channels import telegram_address
from bot.domain import HazardState
from storage.models import Hazard
from tests.chat_helpers import actor_of, remove_roles_elsewhere
from tests.conftest import Harness
from tests.lifecycle_factories import hazard

JIANWAI, CHAOWAI = "110105001", "110105002"
LATE = date(2018, 10, 1)  # before the harness's today (2018-10-15): overdue when registered


def total_of(message: str) -> int:
    m = re.search(r"共找到 (\d+) 项", message)
    assert m, message
    return int(m.group(1))


async def _district(h: Harness) -> None:
    creator = await h.core.services.users.touch(telegram_address(7500), "录入", "zh-hans")
    for unit in (JIANWAI, CHAOWAI):
        await hazard(h.core.uow, creator, state=HazardState.REGISTERED, unit=unit, deadline=LATE,
                     site_name=f"超期仓库{unit[-1]}")
        await hazard(h.core.uow, creator, state=HazardState.REGISTERED, unit=unit, site_name=f"在办仓库{unit[-1]}")
        await hazard(h.core.uow, creator, state=HazardState.REJECTED, unit=unit, site_name=f"驳回仓库{unit[-1]}")


@pytest.mark.parametrize("words", ["ｏｖｅｒｄｕｅ", "ＯＶＥＲＤＵＥ", "超期\u200b", "\u202e超期", "超\u200d期",
                                   "ｓｔａｔｅ：registered 超期", "overdue ｌｅｖｅｌ:一般"])
async def test_odd_unicode_words_mean_what_they_show(harness: Harness, words: str) -> None:
    await _district(harness)
    office = await harness.bind(7501, "office", "区安委会办公室")
    await office.say("/find 超期")
    plain = total_of(office.last_text())
    assert plain == 2
    await office.say(f"/find {words}")
    assert total_of(office.last_text()) == plain, office.last_text()


@pytest.mark.parametrize("role", ["inspector", "leader"])
async def test_a_townships_inspector_or_leader_exports_and_finds_only_their_township(
        harness: Harness, monkeypatch: pytest.MonkeyPatch, role: str) -> None:
    await _district(harness)
    kept: list[Path] = []
    remove = shutil.rmtree
    monkeypatch.setattr(shutil, "rmtree", lambda path, ignore_errors=False: kept.append(Path(path)))
    inspector = await harness.bind(7502, role, JIANWAI)

    async def exported(words: str) -> list[str]:
        doc = next(m for m in await inspector.say(f"/find {words}") if isinstance(m, SendDocument))
        sheet = load_workbook(kept[-1] / doc.document.filename.replace("安全隐患台账-查询-", "find-")).worksheets[0]  # type: ignore[union-attr]
        return sorted(" ".join(str(c) for c in r if c) for r in sheet.iter_rows(min_row=4, values_only=True) if r[0])

    async with harness.core.uow() as u:
        theirs = (await u.session.exec(select(Hazard).where(Hazard.township_code == CHAOWAI))).all()
    everything = " ".join(str(c) for c in await exported("xlsx"))
    assert "仓库2" not in everything and "超期仓库1" in everything, everything
    sent = await inspector.say("/find 朝外 导出")  # another township's: nothing of theirs, so no file at all
    assert not [m for m in sent if isinstance(m, SendDocument)], "another township's hazards exported"
    for h in theirs:  # a typed number or site of another township's hazard (rejected too) finds nothing
        for word in (h.draft_number, h.site_name, *([h.ledger_number] if h.ledger_number else [])):
            await inspector.say(f"/find {word}")
            assert total_of(inspector.last_text()) == 0, (word, inspector.last_text())
            sent = await inspector.say(f"/find {word} excel")
            assert not [m for m in sent if isinstance(m, SendDocument)], sent  # no empty ledger sent
            assert inspector.texts(sent) == ["您的范围内没有符合条件的隐患，没有可发送的文件。"], sent
    await inspector.say("/find 驳回仓库1")  # their own rejected one: a typed site finds it
    assert total_of(inspector.last_text()) == 1
    for path in kept:
        remove(path, ignore_errors=True)


async def _card_after_typing(h: Harness, words: str, presses: list[str], typed: str) -> str:
    """``/find words``, the buttons ``presses``, then ``typed`` as the value asked for: the filter card shown."""
    await _district(h)
    office = await h.bind(7503, "office", "区安委会办公室")
    await office.say(f"/find {words}".strip())
    for label in presses:
        await office.press(label)
    await office.say(typed)
    return office.last_text()


async def test_a_date_typed_after_buttons_made_a_contradiction_is_taken(harness: Harness) -> None:
    card = await _card_after_typing(harness, "超期", ["筛选条件", "＋ 状态", "已销账", "＋ 整改期限"], "2018-10")
    assert "当前符合：0 项" in card and "2018-10-01" in card and "相互矛盾" in card, card


async def test_a_text_typed_after_its_button_loses_pasted_zero_width_characters(harness: Harness) -> None:
    card = await _card_after_typing(harness, "", ["＋ 编号/名称/地址"], "超期\u200b仓库1\u2060")
    assert "当前符合：1 项" in card and "\u200b" not in card, card


async def test_a_role_taken_away_elsewhere_stops_the_results_buttons(harness: Harness, database_url: str) -> None:
    """The actor cache still holds the role (another instance, the command line took it away): the export and
    the filter card's count are the presser's as they are now, nothing of the township's."""
    await _district(harness)
    inspector = await harness.bind(7505, "inspector", JIANWAI)
    await inspector.say("/find 超期")
    assert total_of(inspector.last_text()) == 1
    shown = inspector.buttons()
    await remove_roles_elsewhere(database_url, (await actor_of(harness, inspector)).user_id)
    assert (await actor_of(harness, inspector)).grants  # the cache still says inspector
    for label in ("导出", "筛选条件"):
        sent = await inspector.press_button(next(b for b in shown if label in b.text))
        said = "\n".join(inspector.texts(sent))
        assert not any(isinstance(m, SendDocument) for m in sent) and "当前符合：1" not in said, (label, said)
