"""The status chart of a scope (``/status``) as a PNG for leaders: hazards by state, the campaign's rates
against their targets, the categories with most open hazards. Rendered with ``bot.charts_base`` (bundled
CJK font); the map is ``bot.map_chart``.

Made to look right at any size of data: count axes tick in whole numbers written out (1,000,000, never
``1e6`` or 0.5), every state has its bar (a scope with one hazard has seven slots, not one bar across the
width), value labels stay inside the frame (head-room above the longest bar), the rates axis is in percent
with its unit, and a panel with nothing to show says so. Labels in Chinese (``zh``) or English (``en``).
"""

from __future__ import annotations

from decimal import Decimal

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from bot.charts_base import cjk_png
from bot.documents.labels import STATE_LABELS
from bot.services.summary import Rate, Status

STATE_ORDER = tuple(STATE_LABELS)
STATE_LABELS_EN = {
    "pending_review": "in review",
    "pending_confirmation": "to confirm",
    "registered": "registered",
    "rectified": "rectified",
    "closure_requested": "to close",
    "closed": "closed",
    "rejected": "rejected",
}
MIN_CATEGORY_SLOTS = 5  # the categories panel keeps this many bar slots, so one category is not a slab

TEXTS = {
    "zh": {"title": "{scope} 城市安全隐患治理情况（截至 {date}）",
           "states": "隐患状态（超期 {overdue}，重大 {major}，本周新报 {new}）", "count": "隐患数（处）",
           "rates": "指标与目标（黑线为目标）", "percent": "完成比例（%）", "target": "目标 {v}",
           "rectification": "年度整改率", "coverage": "检查计划完成率", "verification": "销账核查比例",
           "categories": "在账隐患最多的类型", "none_open": "无在账隐患", "no_data": "无数据"},
    "en": {"title": "{scope}: urban safety hazards (as of {date})",
           "states": "Hazards by state (overdue {overdue}, major {major}, new this week {new})", "count": "hazards",
           "rates": "Rates against targets (black line: target)", "percent": "share (%)", "target": "target {v}",
           "rectification": "rectified this year", "coverage": "inspection plan done", "verification": "closures verified",
           "categories": "Categories with most open hazards", "none_open": "No open hazards", "no_data": "no data"},
}


def _count_axis(axis: object) -> None:
    """Whole-number ticks written out with thousands separators."""
    axis.set_major_locator(MaxNLocator(nbins=6, integer=True, min_n_ticks=1))  # type: ignore[attr-defined]
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{int(round(v)):,}"))  # type: ignore[attr-defined]


def _headroom(largest: float) -> float:
    """An axis end leaving room for a value label beyond the longest bar (at least 1, so zeros have an axis)."""
    return max(1.0, largest * 1.18)


@cjk_png
def status_chart(status: Status, lang: str = "zh") -> Figure:
    """Three panels: hazards by state; rectification, coverage and verification against their targets;
    the top categories of open hazards. Title: scope and date."""
    t = TEXTS.get(lang, TEXTS["zh"])
    state_names = STATE_LABELS if lang == "zh" else STATE_LABELS_EN
    fig = Figure(figsize=(9, 7.5), dpi=110, layout="constrained")
    axes = fig.subplots(3, 1, height_ratios=[1.2, 1, 1])
    fig.suptitle(t["title"].format(scope=status.scope_name, date=f"{status.as_of:%Y-%m-%d}"), fontsize=14)

    ax = axes[0]
    counts = [status.by_state.get(s, 0) for s in STATE_ORDER]
    bars = ax.bar([state_names[s] for s in STATE_ORDER], counts, color="#4C72B0", width=0.6)
    ax.bar_label(bars, labels=[f"{n:,}" for n in counts], fontsize=9, padding=2)
    ax.set_ylim(0, _headroom(max(counts)))
    _count_axis(ax.yaxis)
    ax.set_ylabel(t["count"])
    ax.set_title(t["states"].format(overdue=f"{status.overdue:,}", major=f"{status.major_open:,}",
                                    new=f"{status.new_this_week:,}"))

    ax = axes[1]
    rates: list[tuple[str, Rate]] = [(t["rectification"], status.rectification), (t["coverage"], status.coverage),
                                     (t["verification"], status.verification)]
    values = [float(r.value or 0) * 100 for _, r in rates]
    colors = ["#55A868" if r.met else "#C44E52" if r.met is False else "#8C8C8C" for _, r in rates]
    bars = ax.barh([n for n, _ in rates], values, color=colors, height=0.6)
    ax.bar_label(bars, labels=[r.percent() if r.value is not None else t["no_data"] for _, r in rates],
                 fontsize=9, padding=3)
    for i, (_, r) in enumerate(rates):
        if r.target is not None:
            v = float(r.target) * 100
            ax.plot([v, v], [i - 0.4, i + 0.4], color="black", linewidth=2)
            ax.annotate(t["target"].format(v=_pct(r.target)), (v, i), xytext=(4, -14), textcoords="offset points",
                        fontsize=8)
    ax.set_xlim(0, max(125.0, max(values) * 1.15))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.0f}%"))
    ax.set_xlabel(t["percent"])
    ax.invert_yaxis()
    ax.set_title(t["rates"])

    ax = axes[2]
    ax.set_title(t["categories"])
    if not status.top_categories:  # a bar of 0 would draw an axis from -0.04 to 0.04 around it
        ax.axis("off")
        ax.text(0.5, 0.5, t["none_open"], ha="center", va="center", fontsize=12, transform=ax.transAxes)
        return fig
    cats = status.top_categories
    bars = ax.barh([c for c, _ in cats], [n for _, n in cats], color="#DD8452", height=0.6)
    ax.bar_label(bars, labels=[f"{n:,}" for _, n in cats], fontsize=9, padding=3)
    ax.set_ylim(max(len(cats), MIN_CATEGORY_SLOTS) - 0.5, -0.5)  # top to bottom, fixed slot height
    ax.set_xlim(0, _headroom(max(n for _, n in cats)))
    _count_axis(ax.xaxis)
    ax.set_xlabel(t["count"])
    return fig


def _pct(v: Decimal) -> str:
    return f"{(v * 100).normalize():f}%"
