"""Official notices as editable Word documents: a ``NoticeView`` rendered into the office's template
(``config/templates/<kind>.docx``, docxtpl/Jinja2 tags) with the standing texts of
``config/templates/notices.toml`` (title, number prefix, legal basis line, requirement).

Every empty field is printed as ``—``; values are inserted as text (docxtpl escapes them for the XML).
"""

from __future__ import annotations

import io
import tomllib
from dataclasses import asdict
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

from bot.documents.labels import MISSING
from bot.documents.views import NoticeKind, NoticeView

_DIGITS = "〇一二三四五六七八九"


def chinese_date(d: date) -> str:
    """``二〇二六年三月十日`` — the date as official documents write it."""
    def number(n: int) -> str:
        if n < 10:
            return _DIGITS[n]
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + ("" if ones == 0 else _DIGITS[ones])

    return "".join(_DIGITS[int(c)] for c in str(d.year)) + f"年{number(d.month)}月{number(d.day)}日"


def templates_dir() -> Path:
    return Path(str(resources.files("config") / "templates"))


@cache
def notice_texts() -> dict[str, dict[str, str]]:
    """The standing texts by kind from ``config/templates/notices.toml``."""
    return tomllib.loads((templates_dir() / "notices.toml").read_text(encoding="utf-8"))


def render_notice(view: NoticeView, template: Path | None = None) -> bytes:
    """The ``.docx`` bytes of ``view`` in ``template`` (default: the kind's template in ``config/templates``).

    Raises ``jinja2.TemplateError`` when an edited template has a broken tag."""
    from docxtpl import DocxTemplate  # python-docx and lxml load on first use, not at start-up

    doc = DocxTemplate(str(template or templates_dir() / f"{view.kind.value}.docx"))
    context: dict[str, object] = {
        k: (v or MISSING) if isinstance(v, str) else v for k, v in asdict(view).items() if k != "extra"
    }
    context.update({k: v or MISSING for k, v in view.extra.items()})
    context["issued_on_cn"] = chinese_date(view.issued_on)
    context["kind"] = view.kind.value
    context["no_photos"] = "" if view.photos else "无"
    doc.render(context, autoescape=True)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def notice_filename(view: NoticeView) -> str:
    """``隐患整改通知书-<ledger number>.docx``"""
    return f"{view.title}-{view.ledger_number or view.number}.docx".replace("/", "")


__all__ = ["NoticeKind", "chinese_date", "notice_filename", "notice_texts", "render_notice"]
