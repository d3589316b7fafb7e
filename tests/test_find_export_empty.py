"""/find's Annex 2 export, through the dispatcher on SQLite and PostgreSQL: nothing in scope (or nothing of it on
the ledger yet) is told in a message, not sent as an empty file, by the typed words and by the card's button;
the temporary folder is gone after an export that fails midway."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from aiogram.methods import SendDocument

from bot.channels import telegram_address
from bot.domain import HazardState
from bot.services import ledger_export
from bot.services.hazard_filter import Filter
from tests.chat_helpers import actor_of
from tests.conftest import Harness
from tests.lifecycle_factories import hazard

NOTHING = "您的范围内没有符合条件的隐患，没有可发送的文件。"


async def test_nothing_in_scope_is_said_not_sent_as_an_empty_file(harness: Harness) -> None:
    office = await harness.bind(7601, "office", "区安委会办公室")
    for words in ("xlsx", "超期 xlsx"):
        sent = await office.say(f"/find {words}")
        assert not [m for m in sent if isinstance(m, SendDocument)], sent
        assert office.texts(sent)[-1] == NOTHING, office.texts(sent)
    await office.say("/find")
    sent = await office.press("导出")
    assert not [m for m in sent if isinstance(m, SendDocument)] and office.texts(sent)[-1] == NOTHING, sent
    english = harness.chat(7601, "Office", "en")
    await english.say("/find xlsx")
    assert english.last_text() == "No hazard in your scope matches: there is no file to send."


async def test_found_but_none_on_the_ledger_says_so_without_a_file(harness: Harness) -> None:
    creator = await harness.core.services.users.touch(telegram_address(7602), "录入", "zh-hans")
    await hazard(harness.core.uow, creator, state=HazardState.PENDING_REVIEW, site_name="审核中仓库")
    office = await harness.bind(7603, "office", "区安委会办公室")
    sent = await office.say("/find 文字:审核中仓库 xlsx")
    assert not [m for m in sent if isinstance(m, SendDocument)], sent
    assert office.last_text() == "共找到 1 项隐患，但均尚未上账（审核中或已驳回），没有可发送的附件2台账。"


async def test_an_export_failing_midway_leaves_no_folder(harness: Harness, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    creator = await harness.core.services.users.touch(telegram_address(7604), "录入", "zh-hans")
    await hazard(harness.core.uow, creator, state=HazardState.REGISTERED)
    office = await harness.bind(7605, "office", "区安委会办公室")
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))

    async def half_written(_session: object, _f: object, path: Path, **_kw: object) -> int:
        path.write_bytes(b"PK half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(ledger_export, "export_hazards", half_written)
    with pytest.raises(OSError, match="disk full"):
        async with harness.core.services.search.export(await actor_of(harness, office), Filter()):
            pass
    assert list(temp.iterdir()) == []
    monkeypatch.undo()
    async with harness.core.services.search.export(await actor_of(harness, office), Filter()) as done:
        assert done.path is not None and done.path.is_file() and done.rows == 1
    assert not done.path.parent.exists()
