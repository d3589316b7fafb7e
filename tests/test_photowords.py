"""Words about photos and places that must say what is true (through the dispatcher, SQLite): the photo list of a
resubmission marks the record's photos 「已在记录中」 and only its header says what deleting one does; a history's
earlier event keeps the photo count it had when a photo later leaves the record; a citizen's new pin does not
keep an address typed for an earlier place."""

from __future__ import annotations

import re

import pytest

from bot.local_chat import LocalChat
from storage.models import Hazard
from tests.chat_helpers import bind_cast, card, last_text, open_first, stored
from tests.conftest import FailureLog, Harness
from tests.forms_flow import SUBMIT, fill_hazard_until_review
from tests.test_citizen_report import _at_the_place
from tests.test_odd_updates import _open_draft

pytestmark = pytest.mark.sqlite_only
NUMBER = "D001201810150001"


async def _rejected_with_two_photos(h: Harness, base: int) -> tuple[LocalChat, LocalChat]:
    inspector, reviewer = await bind_cast(h, {base: "李检查", base + 1: "王审核"})
    await fill_hazard_until_review(inspector, site="庚仓库", album=2)
    await inspector.press("提交")
    await open_first(reviewer, "/review")
    await reviewer.press("驳回")
    await reviewer.say("第二张照片与隐患无关请删除")
    await reviewer.press(SUBMIT)
    await card(inspector, NUMBER)
    await inspector.press("修改后重新提交")
    await inspector.press("修改：隐患照片")
    return inspector, reviewer


async def test_the_photo_list_of_a_resubmission_says_what_deleting_does(harness: Harness,
                                                                         failures: FailureLog) -> None:
    h = harness
    inspector, _reviewer = await _rejected_with_two_photos(h, 2661)
    await inspector.press("🗑 管理照片/删除照片（2）")
    listing = last_text(h, inspector)
    header, *lines = listing.splitlines()
    assert "已在记录中" in header and "重新提交" in header, header
    assert "已提交的内容不受影响" not in header, header  # it would: the deleted photo leaves the record
    assert len(lines) == 2 and all(line.startswith(f"{n}. 已在记录中，") and line.endswith("收到")
                                   for n, line in enumerate(lines, start=1)), lines
    assert "删除" not in "\n".join(lines), lines  # no photo is said to be deleted before it is
    assert failures.messages() == []


async def test_an_earlier_event_keeps_its_photo_count_when_a_photo_leaves_the_record(harness: Harness,
                                                                                    failures: FailureLog) -> None:
    h = harness
    inspector, reviewer = await _rejected_with_two_photos(h, 2671)
    await inspector.press("🗑 管理照片/删除照片（2）")
    await inspector.press("🗑 第2张")
    await inspector.press("返回")
    await inspector.press_button(inspector.latest_button(SUBMIT))
    assert "删除照片：1 张" in last_text(h, inspector), last_text(h, inspector)
    [row] = await stored(h, Hazard)
    assert row.state == "pending_review"
    await card(reviewer, NUMBER)
    sent = await reviewer.press("全过程记录")
    history = "\n".join(reviewer.texts(sent))
    first = next(line for line in history.splitlines() if "李检查" in line)
    assert "（照片 2 张）" in first, history
    # the submission is dated by the service's clock, as the rejection and resubmission after it are
    dated = [line for line in history.splitlines() if re.search(r"\d{4}-\d{2}-\d{2}", line)]
    assert dated and all("2018-10-15" in line for line in dated), history
    assert failures.messages() == []


async def test_a_new_pin_drops_the_address_typed_for_the_old_place(harness: Harness, failures: FailureLog) -> None:
    h = harness
    chat = await _at_the_place(h, 30_031)
    assert isinstance(chat, LocalChat)
    await chat.say("朝阳区三里屯街道幸福村中路12号")
    assert "所在街乡" in chat.last_text(), chat.last_text()
    await chat.press("上一步")
    await chat.location(39.9087, 116.4560)  # another place, a bare pin
    draft = await _open_draft(h, chat)
    assert draft.data["place"] == {"lat": 39.9087, "lon": 116.4560}, draft.data["place"]
    await chat.press("上一步")
    await chat.say("朝阳区建国门外大街1号")  # typed again: kept with the new pin
    draft = await _open_draft(h, chat)
    assert draft.data["place"] == {"lat": 39.9087, "lon": 116.4560, "address": "朝阳区建国门外大街1号"}
    assert failures.messages() == []
