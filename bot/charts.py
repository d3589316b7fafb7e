"""Pictures for leaders: the status chart of a scope and the map of major and overdue hazards.

matplotlib with the Agg backend (no display) and the bundled CJK font (``bot.fonts``), so Chinese labels
render on a fresh machine. The map needs no online tiles: points on a plain equirectangular plot of
longitude/latitude (WGS 84) with a graticule, a kilometre scale bar and labels. Each function returns PNG bytes.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import ParamSpec

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from bot.fonts import register_with_matplotlib  # noqa: E402
from bot.services.summary import Rate, Status  # noqa: E402

P = ParamSpec("P")

STATE_LABELS = {
    "pending_review": "待审核",
    "pending_confirmation": "待确认",
    "registered": "已挂账",
    "rectified": "已整改",
    "closure_requested": "待销账",
    "closed": "已销账",
    "rejected": "已退回",
}
STATE_ORDER = tuple(STATE_LABELS)


def _cjk(draw: Callable[P, Figure]) -> Callable[P, bytes]:
    """Run ``draw`` with the bundled CJK font as the default family and return its figure as PNG."""

    @functools.wraps(draw)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> bytes:
        family = register_with_matplotlib()
        with matplotlib.rc_context({"font.family": [family, "DejaVu Sans"], "axes.unicode_minus": False}):
            fig = draw(*args, **kwargs)
            buf = io.BytesIO()
            fig.savefig(buf, format="png")
        return buf.getvalue()

    return wrapper


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), dpi=110, layout="constrained")


@_cjk
def status_chart(status: Status) -> Figure:
    """Three panels: hazards by state; rectification, coverage and verification against their targets;
    the top categories of open hazards. Title: scope and date."""
    fig = _figure(9, 7.5)
    axes = fig.subplots(3, 1, height_ratios=[1.2, 1, 1])
    fig.suptitle(f"{status.scope_name} 城市安全隐患治理情况（截至 {status.as_of:%Y-%m-%d}）", fontsize=14)

    ax = axes[0]
    states = [s for s in STATE_ORDER if status.by_state.get(s)]
    counts = [status.by_state[s] for s in states]
    bars = ax.bar([STATE_LABELS[s] for s in states], counts, color="#4C72B0")
    ax.bar_label(bars, fontsize=9)
    ax.set_title(f"隐患状态（超期 {status.overdue}，重大 {status.major_open}，本周新增 {status.new_this_week}）")

    ax = axes[1]
    rates: list[tuple[str, Rate]] = [
        ("年度整改率", status.rectification),
        ("检查计划完成率", status.coverage),
        ("销账核查比例", status.verification),
    ]
    names = [n for n, _ in rates]
    values = [float(r.value or 0) * 100 for _, r in rates]
    colors = ["#55A868" if r.met else "#C44E52" if r.met is False else "#8C8C8C" for _, r in rates]
    bars = ax.barh(names, values, color=colors)
    ax.bar_label(bars, labels=[r.percent() for _, r in rates], fontsize=9, padding=3)
    for i, (_, r) in enumerate(rates):
        if r.target is not None:
            t = float(r.target) * 100
            ax.plot([t, t], [i - 0.4, i + 0.4], color="black", linewidth=2)
            ax.annotate(f"目标 {_pct(r.target)}", (t, i), xytext=(4, -14), textcoords="offset points", fontsize=8)
    ax.set_xlim(0, max(110, *values))
    ax.invert_yaxis()
    ax.set_title("指标与目标（黑线为目标）")

    ax = axes[2]
    ax.set_title("在账隐患最多的类型")
    if not status.top_categories:  # a bar of 0 would draw an axis from -0.04 to 0.04 around it
        ax.axis("off")
        ax.text(0.5, 0.5, "无在账隐患", ha="center", va="center", fontsize=12, transform=ax.transAxes)
        return fig
    cats = status.top_categories
    bars = ax.barh([c for c, _ in cats], [n for _, n in cats], color="#DD8452")
    ax.bar_label(bars, fontsize=9, padding=3)
    ax.invert_yaxis()
    return fig


def _pct(v: Decimal) -> str:
    return f"{(v * 100).normalize():f}%"


@dataclass(frozen=True)
class MapPoint:
    """A hazard on the map: WGS 84 degrees, a short label, and why it is shown."""

    longitude: float
    latitude: float
    label: str
    major: bool
    overdue: bool


KM_PER_DEG_LAT = 111.32


@_cjk
def hazard_map(points: Sequence[MapPoint], title: str, max_labels: int = 40) -> Figure:
    """Major (red) and overdue (orange; both = red with orange edge) hazards on a graticule with a scale
    bar; equal-distance aspect at the mean latitude. Labels for the first ``max_labels`` points only."""
    fig = _figure(8, 8)
    ax = fig.subplots()
    ax.set_title(title, fontsize=13)
    if not points:
        ax.text(0.5, 0.5, "没有需要标注的隐患", ha="center", va="center", transform=ax.transAxes, fontsize=14)
        ax.set_axis_off()
        return fig
    lons = [p.longitude for p in points]
    lats = [p.latitude for p in points]
    mean_lat = sum(lats) / len(lats)
    ax.set_aspect(1 / math.cos(math.radians(mean_lat)))
    pad = max(max(lons) - min(lons), max(lats) - min(lats), 0.01) * 0.08
    ax.set_xlim(min(lons) - pad, max(lons) + pad)
    ax.set_ylim(min(lats) - pad, max(lats) + pad)
    for kind, color, edge, pick in (
        ("超期隐患", "#F28E2B", "#F28E2B", lambda p: p.overdue and not p.major),
        ("重大隐患", "#E15759", "#E15759", lambda p: p.major and not p.overdue),
        ("重大且超期", "#E15759", "#F28E2B", lambda p: p.major and p.overdue),
    ):
        chosen = [p for p in points if pick(p)]
        if chosen:
            ax.scatter([p.longitude for p in chosen], [p.latitude for p in chosen], s=50, c=color,
                       edgecolors=edge, linewidths=2, label=f"{kind}（{len(chosen)}）", zorder=3)
    for p in points[:max_labels]:
        ax.annotate(p.label, (p.longitude, p.latitude), xytext=(4, 4), textcoords="offset points", fontsize=7)
    ax.grid(True, linestyle=":", color="#999999")
    ax.set_xlabel("经度（WGS 84）")
    ax.set_ylabel("纬度（WGS 84）")
    legend = ax.legend(loc="upper right")
    legend.set_zorder(4)
    _scale_bar(ax, mean_lat)
    return fig


def _scale_bar(ax: object, lat: float) -> None:
    x0, x1 = ax.get_xlim()  # type: ignore[attr-defined]
    y0, y1 = ax.get_ylim()  # type: ignore[attr-defined]
    km_per_deg_lon = KM_PER_DEG_LAT * math.cos(math.radians(lat))
    width_km = (x1 - x0) * km_per_deg_lon
    length = next((k for k in (0.5, 1, 2, 5, 10, 20, 50) if k >= width_km / 5), 50)
    deg = length / km_per_deg_lon
    sx, sy = x0 + (x1 - x0) * 0.05, y0 + (y1 - y0) * 0.05
    ax.plot([sx, sx + deg], [sy, sy], color="black", linewidth=3)  # type: ignore[attr-defined]
    ax.text(sx + deg / 2, sy + (y1 - y0) * 0.015, f"{length:g} 公里", ha="center", fontsize=9)  # type: ignore[attr-defined]
