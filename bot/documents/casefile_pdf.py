"""The 一患一案 case file as a PDF (fpdf2, pure Python; the bundled WenQuanYi Micro Hei embedded as a
subset so any reader shows the Chinese): A4 portrait, the unit's name and the print date in every page's
header, "第 N 页 / 共 M 页" in every footer. Sections follow the hazard's life: the 附件2 record, 五落实,
deadlines and their extensions, supervision, every event (who, when, why), linked inspections and tip-off,
the notices issued, the documents attached and every photo's evidence copy with its caption.

Source: 方案 五(六) (一患一案: 每一处隐患建立档案); 附件2 columns and 填表说明.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from bot.documents.labels import day, text_or_missing, when
from bot.documents.views import CaseFileView, DocumentItem, EventLine, Fact, PhotoItem
from bot.fonts import cjk_font_path

FONT = "wqy"
BODY_SIZE = 9.5
LINE = 5.2  # mm per line of body text
PHOTO_GAP = 6  # mm between two photos of a row
PHOTO_MAX_HEIGHT = 80  # mm: a portrait photo is scaled down to keep two rows on a page


class _CasePdf(FPDF):
    def __init__(self, unit_name: str, printed_on: date, number: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.unit_name, self.printed_on, self.number = unit_name, printed_on, number
        self.add_font(FONT, "", str(cjk_font_path()), collection_font_number=0)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(16, 20, 16)
        self.alias_nb_pages("{nb}")

    def header(self) -> None:
        self.set_font(FONT, size=8)
        self.set_text_color(90)
        self.set_y(9)
        self.cell(0, 5, f"{self.unit_name} · 一患一案 · {self.number}", align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"打印日期：{self.printed_on.isoformat()}", align="R")
        self.line(self.l_margin, 15, self.w - self.r_margin, 15)
        self.set_text_color(0)
        self.set_y(20)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, size=8)
        self.set_text_color(90)
        self.cell(0, 5, f"第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")
        self.set_text_color(0)

    def heading(self, text: str) -> None:
        if self.will_page_break(22):
            self.add_page()
        self.ln(3)
        self.set_font(FONT, size=12)
        self.set_fill_color(230, 236, 245)
        self.cell(0, 8, text, fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)
        self.set_font(FONT, size=BODY_SIZE)

    def paragraph(self, text: str) -> None:
        self.set_font(FONT, size=BODY_SIZE)
        self.multi_cell(0, LINE, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def facts(self, facts: Sequence[Fact]) -> None:
        with self.table(col_widths=(30, 148), first_row_as_headings=False, line_height=LINE,
                        borders_layout="SINGLE_TOP_LINE") as table:
            for fact in facts:
                row = table.row()
                row.cell(fact.label)
                row.cell(text_or_missing(fact.value))

    def grid(self, headings: Sequence[str], widths: Sequence[float], rows: Sequence[Sequence[str]]) -> None:
        if not rows:
            self.paragraph("无")
            return
        with self.table(col_widths=tuple(widths), line_height=LINE, headings_style=_HEADINGS,
                        repeat_headings=1) as table:
            head = table.row()
            for text in headings:
                head.cell(text)
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(text_or_missing(value))

    def photos(self, photos: Sequence[PhotoItem]) -> None:
        if not photos:
            self.paragraph("无")
            return
        for photo in photos:
            if not photo.data:  # listed, not drawn: there is no evidence copy to print
                self.paragraph(photo.caption)
        photos = [p for p in photos if p.data]
        width = (self.epw - PHOTO_GAP) / 2
        for i in range(0, len(photos), 2):
            pair = photos[i:i + 2]
            heights = [min(PHOTO_MAX_HEIGHT, width * p.height / max(p.width, 1)) for p in pair]
            needed = max(heights) + 2 * LINE + 4
            if self.will_page_break(needed):
                self.add_page()
            top = self.get_y()
            for j, (photo, height) in enumerate(zip(pair, heights, strict=True)):
                x = self.l_margin + j * (width + PHOTO_GAP)
                image_width = height * photo.width / max(photo.height, 1)
                self.image(io.BytesIO(photo.data), x=x + (width - image_width) / 2, y=top, w=image_width, h=height)
                self.set_xy(x, top + max(heights) + 1)
                self.set_font(FONT, size=8)
                self.multi_cell(width, 4, photo.caption, align="C")
            self.set_xy(self.l_margin, top + needed)
            self.set_font(FONT, size=BODY_SIZE)


def _headings_style() -> object:
    from fpdf.fonts import FontFace

    return FontFace(family=FONT, emphasis="", fill_color=(242, 242, 242))


_HEADINGS = _headings_style()


def _details(event: EventLine) -> str:
    parts = [*event.details, f"照片 {event.photos} 张" if event.photos else ""]
    return "；".join(p for p in parts if p)


def build_case_file(view: CaseFileView) -> bytes:
    """The case file of ``view`` as PDF bytes (A4, Chinese, every page numbered and headed with the unit's
    name and the print date)."""
    pdf = _CasePdf(view.unit_name, view.printed_on, view.number)
    pdf.set_title(f"一患一案 {view.number}")
    pdf.set_creator("hazardbot")
    pdf.add_page()
    pdf.set_font(FONT, size=17)
    pdf.cell(0, 10, "城市安全隐患“一患一案”档案", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=BODY_SIZE)
    pdf.cell(0, 6, f"编号：{view.number}    场所：{view.site_name}    状态：{view.state}    等级：{view.level}",
             align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.heading("一、隐患基本情况（附件2）")
    pdf.facts(view.record)
    pdf.heading("二、整改五落实（责任、措施、资金、时限、预案）")
    pdf.facts(view.plan)
    pdf.heading("三、整改期限及延期")
    pdf.grid(("整改期限", "来源", "设定时间", "设定人", "理由", "申请人/批准人"), (24, 24, 28, 22, 52, 28),
             [(day(d.deadline), d.source, when(d.set_at, view.tz), d.by, d.reason,
               " / ".join(x for x in (d.requested_by, d.approved_by) if x)) for d in view.deadlines])
    pdf.heading("四、挂牌督办")
    pdf.grid(("督办级别", "开始", "督办人", "督办要求", "督办期限", "责任人", "解除"), (20, 26, 20, 46, 20, 20, 26),
             [(s.level, when(s.started_at, view.tz), s.started_by, s.requirement or s.note, day(s.deadline), s.responsible,
               when(s.ended_at, view.tz) if s.ended_at else "") for s in view.supervisions])
    pdf.heading("五、全过程记录（谁、何时、做了什么、为什么）")
    pdf.grid(("时间", "事项", "操作人", "状态变化", "理由/说明", "详情"), (26, 26, 20, 28, 42, 36),
             [(when(e.at, view.tz), e.action, e.actor, e.states, e.note, _details(e)) for e in view.events])
    pdf.heading("六、关联检查记录及群众举报")
    pdf.grid(("检查编号", "检查日期", "检查单位", "检查类型", "处罚"), (40, 24, 54, 26, 34),
             [(i.number, day(i.inspected_on), i.inspecting_unit, i.inspection_type, i.penalty)
              for i in view.inspections])
    if view.tipoffs:
        pdf.ln(2)
        pdf.grid(("举报编号", "收到时间", "举报内容", "状态"), (36, 28, 90, 24),
                 [(t.number, when(t.received_at, view.tz), t.description, t.status) for t in view.tipoffs])
    if view.linked:
        pdf.ln(2)
        pdf.paragraph("回头看发现的新生隐患：" + "、".join(view.linked))
    pdf.heading("七、已出具文书")
    pdf.grid(("文书", "文号", "出具时间", "出具人"), (46, 56, 40, 36),
             [(n.title, n.number, when(n.at, view.tz), n.by) for n in view.notices])
    pdf.heading("八、附件材料")
    pdf.grid(("文件名", "环节", "时间", "提交人"), (80, 26, 40, 32),
             [(d.name + ("（附于本文件）" if d.data is not None else "（未存档）"), d.stage, when(d.at, view.tz), d.by)
              for d in view.documents])
    _attach(pdf, view.documents)
    pdf.paragraph(f"销账说明：{text_or_missing(view.closure_note)}")
    pdf.heading(f"九、照片（证据副本，共 {len(view.photos)} 张）")
    pdf.photos(view.photos)
    return bytes(pdf.output())


def _attach(pdf: FPDF, documents: Sequence[DocumentItem]) -> None:
    """Embed each kept document in the PDF as a file attachment, its bytes as received (a reader lists them
    under "attachments"); a name used twice is numbered so that neither hides the other."""
    used: set[str] = set()
    for n, d in enumerate(documents, start=1):
        if d.data is None:
            continue
        name = d.name if d.name not in used else f"{n}-{d.name}"
        used.add(name)
        pdf.embed_file(bytes=d.data, basename=name, modification_date=d.at)
