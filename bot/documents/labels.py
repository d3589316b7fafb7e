"""Chinese names of states, actions and photo stages as printed on paper (documents are official Chinese
texts whatever the reader's chat language); also the state names drawn on the charts."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

MISSING = "—"  # a fact the record does not hold (yet), printed instead of an empty cell

STATE_LABELS = {
    "pending_review": "待审核",
    "pending_confirmation": "待确认",
    "registered": "已挂账",
    "rectified": "已整改",
    "closure_requested": "待销账",
    "closed": "已销账",
    "rejected": "已驳回",  # as the bot names the state (bot.labels), in /find and on the card
}

ACTION_LABELS = {
    "submit": "提交",
    "approve": "单位审核通过",
    "reject": "驳回",
    "register": "确认挂账",
    "set_plan": "填写五落实",
    "set_level": "调整隐患等级",
    "report_rectification": "报告整改（验收）",
    "reinspect_pass": "复查合格",
    "reinspect_fail": "复查不合格",
    "close": "销账",
    "verify_pass": "核查合格",
    "verify_fail": "核查不合格（反弹）",
    "supervise": "挂牌督办",
    "lookback_pass": "回头看：未反弹",
    "lookback_rebound": "回头看：反弹",
    "link_new": "关联新生隐患",
    "issue_notice": "出具文书",
    "extend_deadline": "延期",
    "request_extension": "申请延期",
    "refuse_extension": "不批准延期",
    "return_closure": "退回销账申请",
    "edit": "修改（待审核）",
    "resubmit": "修改后重新提交",
    "correct": "更正",
    "transfer": "移交",
    "record_reinspection": "复查（监督检查记录）",
}

STAGE_LABELS = {
    "discovery": "发现",
    "inspection": "检查",
    "rectification": "整改",
    "acceptance": "验收",
    "reinspection": "复查",
    "verification": "核查",
    "tipoff": "举报",
}


def text_or_missing(value: object) -> str:
    """``value`` as printed: ``—`` for None or blank text."""
    if value is None:
        return MISSING
    text = str(value).strip()
    return text or MISSING


def when(at: datetime | None, tz: ZoneInfo) -> str:
    """An aware time as printed: Asia/Shanghai ``YYYY-MM-DD HH:MM``; ``—`` when unknown."""
    return MISSING if at is None else f"{at.astimezone(tz):%Y-%m-%d %H:%M}"


def day(d: date | None) -> str:
    """A calendar date as printed (ISO); ``—`` when unknown."""
    return MISSING if d is None else d.isoformat()
