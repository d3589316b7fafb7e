"""Every reminder renders in Chinese and in English: placeholders agree between the message ids and
the Chinese catalog, the English has no Chinese of its own, and the Chinese keeps its set phrases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from reminders import texts

D = date(2019, 3, 20)


@dataclass(frozen=True)
class _Line:
    unit_name: str
    rectification: object
    overdue: int
    days_since_update: int | None
    not_started: bool = False

    @property
    def late_update(self) -> bool:  # as ``summary.UnitLine.late_update``: past the fortnightly update, or never
        return not self.not_started and (self.days_since_update is None or self.days_since_update > 15)


@dataclass(frozen=True)
class _Rate:
    def percent(self) -> str:
        return "75.0%"


@dataclass(frozen=True)
class _Ranked:
    rank_rectification: int
    line: _Line

    @property
    def place(self) -> int | None:  # as ``summary.RankingLine.place``: none for a unit not placed
        return None if self.line.not_started or self.line.days_since_update is None else self.rank_rectification


RANKING = [_Ranked(1, _Line("建外街道", _Rate(), 2, 3)), _Ranked(2, _Line("三里屯街道", _Rate(), 1, 16)),
           _Ranked(3, _Line("朝外街道", _Rate(), 0, None)), _Ranked(3, _Line("呼家楼街道", _Rate(), 0, None, not_started=True))]
CASES = [
    texts.text(texts.ledger_stale, "建外街道", D, 16, False),
    texts.text(texts.ledger_stale, "建外街道", D, 22, True),
    texts.text(texts.deadline_soon, "张XX出租房", "110105001201810150001", D, 0),
    texts.text(texts.deadline_soon, "张XX出租房", "110105001201810150001", D, 3),
    texts.text(texts.overdue, "张XX出租房", "110105001201810150001", D, 5),
    texts.text(texts.supervision, "建外街道", "张XX出租房", "110105001201810150001", D, 8, True),
    texts.text(texts.work_info, "建外街道", 2019, 3, False),
    texts.text(texts.work_info, "建外街道", 2019, 3, True),
    texts.text(texts.quarterly_summary, "建外街道", 2019, 1, True),
    texts.text(texts.annual_plan, "建外街道", 2019, D, -3, False),
    texts.text(texts.annual_plan, "建外街道", 2019, D, 0, True),
    texts.text(texts.annual_plan, "建外街道", 2019, D, 9, False),
    texts.text(texts.lookback_start, "建外街道", 2019, D),
    texts.text(texts.lookback_report, "建外街道", 2019, D, True),
    texts.text(texts.recipient_blocked, "王联系", "建外街道"),
    texts.text(texts.weekly_ranking, RANKING, D, D),
    *(texts.button(k) for k in ("ledger", "hazard", "supervise", "info", "summary", "plan", "lookback",
                                "lookback_report", "contacts", "rank")),
]
NAMES = ("建外街道", "朝外街道", "呼家楼街道", "三里屯街道", "张XX出租房", "王联系")


@pytest.mark.parametrize("words", CASES, ids=lambda t: f"{t.words.__name__}{t.args[-1]!r}"[:40])
def test_each_reminder_renders_in_both_languages(words: texts.Text) -> None:
    zh, en = words.render("zh"), words.render("en")
    assert zh != en and "{" not in zh and "{" not in en
    stripped = en
    for name in NAMES:
        stripped = stripped.replace(name, "")
    assert not any("\u4e00" <= c <= "\u9fff" for c in stripped), en
    assert any("\u4e00" <= c <= "\u9fff" for c in zh.replace("建外街道", "")), zh


def test_the_chinese_keeps_the_wording_units_know() -> None:
    assert texts.text(texts.work_info, "建外街道", 2019, 3, False).render("zh") == (
        "【工作信息提醒】建外街道尚未报送2019年3月的工作信息或典型案例。按照行动方案五（二），每月至少报送一篇。"
        "请在本月最后一个工作日前点击下方按钮报送（文字、照片或文件均可）。")
    assert texts.text(texts.weekly_ranking, RANKING, D, D).render("zh").splitlines()[1:] == [
        "1. 建外街道 75.0% · 超期2项 · 3天", "2. 三里屯街道 75.0% · 超期1项 · 16天（超过15天未更新）",
        "未排名（尚无整改率，或本单位尚无任何记录）：", "朝外街道 75.0% · 超期0项 · 从未更新（超过15天未更新）",
        "呼家楼街道 75.0% · 超期0项 · 尚未开始",
        "注：一项超期隐患计入对其负有责任的每个单位（所在街乡、所属行业部门、登记单位），因此各单位超期数之和大于 /status 中全区的超期数。"]
    assert texts.text(texts.deadline_soon, "张XX出租房", "1", D, 3).render("en").startswith(
        "[Rectification deadline] The rectification deadline of hazard “张XX出租房” (ledger number 1) falls in 3 days (2019-03-20).")
