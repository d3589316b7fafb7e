"""The words of each reminder (Simplified Chinese): what is due, by when, and exactly what to do.

Unit and site names come from the registry and the ledger; they are plain text here and are sent
without parse mode, so nothing needs escaping.
"""

from __future__ import annotations

from datetime import date


def _d(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def ledger_stale(unit: str, last: date, days: int, leader: bool) -> str:
    head = "【台账更新督促】" if leader else "【台账更新提醒】"
    lead = f"{unit}的隐患台账已连续{days}天未更新（最近一次更新：{_d(last)}）。"
    rule = "按照行动方案五（一），各单位至少每半月更新一次台账数据。"
    if leader:
        act = "请督促本单位联系人员今天内录入新的监督检查记录或更新隐患整改、复查情况。"
    else:
        act = "请今天内点击下方按钮，录入新的监督检查记录，或更新在账隐患的整改、复查情况。"
    return head + lead + rule + act


def deadline_soon(site: str, number: str, deadline: date, days: int) -> str:
    when = "今天" if days == 0 else f"{days}天后（{_d(deadline)}）"
    return (
        f"【整改期限提醒】隐患“{site}”（台账编号{number}）的整改期限{when}到期。"
        "请督促整改责任主体按期完成整改并组织验收，完成后点击下方按钮上报整改情况并上传整改照片。"
    )


def overdue(site: str, number: str, deadline: date, days: int) -> str:
    return (
        f"【隐患逾期提醒】隐患“{site}”（台账编号{number}）的整改期限{_d(deadline)}已过，逾期{days}天。"
        "请立即督促整改责任主体落实整改，点击下方按钮上报整改进展；确需延期的，请说明原因并报区安委会办公室。"
    )


def supervision(unit: str, site: str, number: str, deadline: date, days: int, major: bool) -> str:
    kind = "重大隐患" if major else "隐患"
    return (
        f"【挂牌督办建议】{unit}的{kind}“{site}”（台账编号{number}）整改期限{_d(deadline)}，已逾期{days}天。"
        "按照行动方案五（五），建议对该隐患实施挂牌督办：请主管领导安排专人负责、督促制订整改方案并全程跟踪；"
        "区安委会办公室请点击下方按钮确定督办层级。"
    )


def work_info(unit: str, year: int, month: int, leader: bool) -> str:
    head = "【工作信息督促】" if leader else "【工作信息提醒】"
    body = f"{unit}尚未报送{year}年{month}月的工作信息或典型案例。按照行动方案五（二），每月至少报送一篇。"
    if leader:
        act = "今天是本月最后一个工作日，请督促联系人员今天内报送。"
    else:
        act = "请在本月最后一个工作日前点击下方按钮报送（文字、照片或文件均可）。"
    return head + body + act


def quarterly_summary(unit: str, year: int, quarter: int, leader: bool) -> str:
    head = "【季度总结督促】" if leader else "【季度总结提醒】"
    body = f"{unit}尚未报送{year}年第{quarter}季度工作总结。按照行动方案五（二），每季度报送一次工作总结。"
    if leader:
        act = "今天是本季度最后一个工作日，请督促联系人员今天内报送。"
    else:
        act = "请在本季度最后一个工作日前点击下方按钮报送总结。"
    return head + body + act


def annual_plan(unit: str, year: int, due: date, days_left: int, leader: bool) -> str:
    head = "【年度计划督促】" if leader else "【年度计划提醒】"
    if days_left < 0:
        when = f"报送期限{_d(due)}已过{-days_left}天"
    elif days_left == 0:
        when = f"今天（{_d(due)}）是报送期限"
    else:
        when = f"报送期限为{_d(due)}，还有{days_left}天"
    act = "请督促联系人员尽快报送。" if leader else "请点击下方按钮报送计划（可上传附件3文件）。"
    return (
        f"{head}{unit}尚未报备{year}年度监督检查计划（附件3：年度监督检查目标、挂账隐患核查比例和检查安排），"
        f"{when}。{act}"
    )


def lookback_start(unit: str, year: int, end: date) -> str:
    return (
        f"【“回头看”提醒】按照行动方案四（四），请{unit}于12月初组织开展{year}年度“回头看”检查，"
        f"重点发现和治理“反弹”和“新生”隐患，并在{_d(end)}前完成。检查记录请按“回头看检查”类型录入；"
        "结束后7天内报送总结报告。点击下方按钮查看本单位台账。"
    )


def lookback_report(unit: str, year: int, due: date, leader: bool) -> str:
    head = "【总结报告督促】" if leader else "【总结报告提醒】"
    act = "请督促联系人员今天内报送。" if leader else "请点击下方按钮报送总结报告（文字或文件）。"
    return (
        f"{head}{unit}尚未报送{year}年度“回头看”总结报告（成效、典型经验和存在问题），"
        f"报送期限为{_d(due)}。{act}"
    )


def recipient_blocked(person: str, unit: str) -> str:
    return (
        f"【联系人无法接收提醒】{unit}的{person}已屏蔽本机器人，之后的提醒将不再发送给其本人。"
        "请提醒其重新启用机器人，或点击下方按钮更新本单位工作联系表（附件4）。"
    )


BUTTONS = {
    "ledger": "更新台账",
    "hazard": "上报整改情况",
    "supervise": "确定督办",
    "info": "报送工作信息",
    "summary": "报送季度总结",
    "plan": "报送年度计划",
    "lookback": "查看台账",
    "lookback_report": "报送总结报告",
    "contacts": "更新联系表",
    "rank": "查看完整排名",
}


RANKING_LIMIT = 3900  # the outbox keeps 4000 characters; Telegram takes 4096


def weekly_ranking(table, monday: date, as_of: date) -> str:  # type: ignore[no-untyped-def]
    """The weekly 通报 (方案 五(三)): every unit by rectification rate, with its overdue count and the days
    since its ledger last changed; ``table`` is ``bot.services.summary.rank``'s list."""
    lines = [f"【每周排名通报】{_d(monday)}当周，截至{_d(as_of)}各单位隐患治理排名"
             "（整改率 · 超期隐患 · 距上次更新天数）："]
    for r in table:
        days = "从未更新" if r.line.days_since_update is None else f"{r.line.days_since_update}天"
        lines.append(f"{r.rank_rectification}. {r.line.unit_name} {r.line.rectification.percent()} · "
                     f"超期{r.line.overdue}项 · {days}")
    text = "\n".join(lines)
    if len(text) > RANKING_LIMIT:
        text = text[:RANKING_LIMIT].rsplit("\n", 1)[0] + "\n……（完整排名请点击下方按钮）"
    return text
