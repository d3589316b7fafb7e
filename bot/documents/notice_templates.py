"""The default Word templates of the notices (``config/templates/*.docx``), written with python-docx and
filled in with docxtpl (Jinja2 tags in the text). An office replaces a template with its own letterhead
by editing the ``.docx`` in Word and keeping the ``{{ … }}`` tags; ``python -m bot.documents.notice_templates
DIR`` writes the defaults again.

Tags every template may use: the fields of ``bot.documents.views.NoticeView`` (strings; ``photos`` a list),
``title``, ``issued_on_cn`` (二〇二六年三月十日 style date).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

FONT = "宋体"


def _document() -> Document:  # type: ignore[valid-type]
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin = section.bottom_margin = Cm(2.5)
    section.left_margin = section.right_margin = Cm(2.6)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    return doc


def _para(doc: Any, text: str, *, size: int = 12, bold: bool = False, align: str = "left", indent: bool = False,
          space_after: int = 4) -> None:
    p = doc.add_paragraph()
    p.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
                   "right": WD_ALIGN_PARAGRAPH.RIGHT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[align]
    p.paragraph_format.space_after = Pt(space_after)
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    run = p.add_run(text)  # one run per tag: docxtpl needs a tag whole inside a run
    run.font.size = Pt(size)
    run.bold = bold
    run.font.name = FONT
    run._element.rPr.rFonts.set(qn("w:eastAsia"), FONT)


def _letterhead(doc) -> None:  # type: ignore[no-untyped-def]
    _para(doc, "{{ issuing_unit }}", size=20, bold=True, align="center", space_after=2)
    _para(doc, "{{ title }}", size=18, bold=True, align="center", space_after=2)
    _para(doc, "{{ number }}", size=12, align="center", space_after=12)


def _table(doc, rows: list[tuple[str, str]]) -> None:  # type: ignore[no-untyped-def]
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].width, cells[1].width = Cm(3.6), Cm(12.2)
        cells[0].text, cells[1].text = label, value
    doc.add_paragraph()


def _signature(doc, signer: str) -> None:  # type: ignore[no-untyped-def]
    _para(doc, f"{signer}：____________        被检查单位负责人签名：____________", space_after=16)
    _para(doc, "{{ issuing_unit }}（盖章）", align="right")
    _para(doc, "{{ issued_on_cn }}", align="right", space_after=12)


def rectification() -> Document:  # type: ignore[valid-type]
    """The 整改通知书 template (docxtpl placeholders), with a tear-off receipt (回执) for the unit."""
    doc = _document()
    _letterhead(doc)
    _para(doc, "{{ addressee }}：")
    _para(doc, "经检查，你单位（场所）{{ site_name }}（{{ address }}）存在下列安全隐患（台账编号 {{ ledger_number }}，"
               "{{ level }}，{{ hazard_type }}）：", indent=True)
    _para(doc, "{{ description }}", indent=True)
    _para(doc, "{{ legal_basis }}，现责令你单位按照以下要求整改：", indent=True)
    _para(doc, "整改措施：{{ measures }}", indent=True)
    _para(doc, "{{ requirement }}", indent=True)
    _para(doc, "整改期限：{{ deadline }} 前完成。", indent=True, bold=True)
    _para(doc, "逾期未整改或整改不到位的，将依法依规处理，并纳入挂账督办。", indent=True, space_after=16)
    _signature(doc, "检查人员签名")
    _para(doc, "- - - - - - - - - - - - - - - - 沿此线剪开 - - - - - - - - - - - - - - - -", align="center",
          size=10, space_after=8)
    _para(doc, "回  执", size=14, bold=True, align="center")
    _para(doc, "{{ issuing_unit }}：", space_after=4)
    _para(doc, "你单位于 {{ issued_on_cn }} 下发的{{ title }}（{{ number }}）已收到，我单位将按要求在 {{ deadline }} "
               "前完成整改。", indent=True, space_after=12)
    _para(doc, "签收单位（盖章）：____________    签收人：________    签收日期：____年__月__日")
    return doc


def supervision() -> Document:  # type: ignore[valid-type]
    """The 挂牌督办 notice template (docxtpl placeholders): the hazard and the supervision's terms as a table."""
    doc = _document()
    _letterhead(doc)
    _para(doc, "{{ addressee }}：")
    _para(doc, "{{ legal_basis }}，现对下列隐患实行挂牌督办：", indent=True)
    _table(doc, [("台账编号", "{{ ledger_number }}"), ("场所名称", "{{ site_name }}"), ("地址", "{{ address }}"),
                 ("隐患等级", "{{ level }}"), ("隐患类型", "{{ hazard_type }}"), ("隐患描述", "{{ description }}"),
                 ("督办级别", "{{ supervision_level }}"), ("督办要求", "{{ requirement }}"),
                 ("督办期限", "{{ deadline }}"), ("责任人", "{{ responsible }}")])
    _para(doc, "请于督办期限内完成整改，并将整改情况书面报送督办单位。", indent=True, space_after=16)
    _signature(doc, "督办经办人签名")
    return doc


def reinspection() -> Document:  # type: ignore[valid-type]
    """The 复查（验收）record template (docxtpl placeholders): the hazard, the result and the list of photos."""
    doc = _document()
    _letterhead(doc)
    _para(doc, "{{ legal_basis }}，对下列隐患的整改情况进行复查（验收），记录如下：", indent=True)
    _table(doc, [("台账编号", "{{ ledger_number }}"), ("场所名称", "{{ site_name }}"), ("地址", "{{ address }}"),
                 ("隐患描述", "{{ description }}"), ("整改期限", "{{ deadline }}"), ("复查（验收）日期", "{{ inspected_on }}"),
                 ("复查（验收）人员", "{{ people }}"), ("复查（验收）结果", "{{ result }}")])
    _para(doc, "照片清单：", bold=True)
    _para(doc, "{%p for p in photos %}")
    _para(doc, "{{ loop.index }}. {{ p }}")
    _para(doc, "{%p endfor %}")
    _para(doc, "{{ no_photos }}", space_after=16)
    _signature(doc, "复查人员签名")
    return doc


DEFAULTS = {"rectification": rectification, "supervision": supervision, "reinspection": reinspection}


def write_defaults(folder: Path) -> list[Path]:
    """Write the default ``<kind>.docx`` templates into ``folder``; returns their paths."""
    out = []
    for kind, make in DEFAULTS.items():
        path = folder / f"{kind}.docx"
        make().save(str(path))
        out.append(path)
    return out


if __name__ == "__main__":
    for written in write_defaults(Path(sys.argv[1] if len(sys.argv) > 1 else "config/templates")):
        sys.stdout.write(f"{written}\n")
