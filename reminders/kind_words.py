"""The words for each kind of work submission (``reminders.submissions.KINDS``, 方案 五), kept once for the
inbox's services (rendered in the notice's locale) and the upload conversation (the chat's locale)."""

from __future__ import annotations


def _(message: str) -> str:
    """Marks ``message`` for the catalog (``bot.catalog``); each reader translates it where it is shown."""
    return message


#: submission kind → its words, as an English message id
KIND_NAMES: dict[str, str] = {
    "work_info": _("work information or typical case"),
    "summary": _("quarterly summary"),
    "plan": _("annual inspection plan (Annex 3)"),
    "lookback_report": _("lookback report"),
    "implementation_plan": _("implementation plan"),
}
