"""The electronic map of major hazards and risks (方案 六(四) 电子地图) as a PNG, drawn without online
tiles: the outline of 朝阳区 and its neighbours and the townships' names (``bot.map_data``), the hazards as
points coloured by state, shaped by level (▲ 重大隐患, ● 一般隐患), ringed black when under supervision.

Labels never overlap: each is tried at eight positions around its point and dropped where none is free.
A few points carry their site's name; more get numbers, listed in a table beside the map (the first
``MAX_NUMBERED``; the rest are counted). Hazards without a pin are counted and named under the map. With
nothing to show the map says so. Coordinates: WGS-84 degrees (the base map's datum is not stated by its
source, see config/data/README.md). Returns PNG bytes (``bot.charts`` renders with the bundled CJK font).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from textwrap import fill

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import Bbox

from bot.charts_base import cjk_png
from bot.map_data import areas, district_bounds, township_labels

KM_PER_DEG_LAT = 111.32
TEXT_LABELS = 8  # up to this many points carry their site's name, if every name finds a free place
MAX_NUMBERED = 30  # numbered points listed in the table; the others are counted
SCALE_STEPS_KM = (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50)
# offsets (points) tried in turn for a label: NE, SE, NW, SW, E, W, N, S
_OFFSETS = ((4, 3), (4, -10), (-4, 3), (-4, -10), (6, -3), (-6, -3), (0, 6), (0, -13))
_ALIGN = {(4, 3): ("left", "bottom"), (4, -10): ("left", "bottom"), (-4, 3): ("right", "bottom"),
          (-4, -10): ("right", "bottom"), (6, -3): ("left", "bottom"), (-6, -3): ("right", "bottom"),
          (0, 6): ("center", "bottom"), (0, -13): ("center", "bottom")}


@dataclass(frozen=True)
class MapPoint:
    """A hazard on the map: WGS-84 degrees, a short label (site name), why it is shown (``major``,
    ``overdue``), its ``state`` (a ``HazardState`` value), whether it is under supervision and its number."""

    longitude: float
    latitude: float
    label: str
    major: bool
    overdue: bool
    state: str = "registered"
    supervised: bool = False
    number: str = ""


TEXTS = {
    "zh": {"overdue": "超期未整改", "registered": "整改中", "rectified": "已整改待复查", "closure_requested": "复查合格待销账",
           "other": "其他", "major": "重大隐患", "general": "一般隐患", "supervised": "挂牌督办（黑圈）",
           "empty": "当前没有需要标注的重大或超期隐患", "km": "公里", "no": "序号", "ledger": "台账编号",
           "site": "场所", "state": "状态", "more": "另有 {n} 处已画出、未编号；完整清单可在机器人中发送 /find 重大 xlsx 或 /find 超期 xlsx 导出",
           "unpinned": "另有 {n} 处隐患没有坐标，未画出：{numbers}", "hidden": "（{n} 个标注因位置重叠未显示）",
           "none_overdue": "{n} 处超期隐患没有位置，无法在图上标注：{numbers}",
           "none_major": "{n} 处重大隐患没有位置，无法在图上标注：{numbers}",
           "none_both": "{n} 处重大或超期隐患没有位置（其中超期 {overdue} 处），无法在图上标注：{numbers}"},
    "en": {"overdue": "overdue", "registered": "being rectified", "rectified": "rectified, awaiting re-inspection",
           "closure_requested": "awaiting closure", "other": "other", "major": "major hazard", "general": "general hazard",
           "supervised": "under supervision (black ring)", "empty": "No major or overdue hazard to show",
           "km": "km", "no": "No.", "ledger": "Ledger number", "site": "Site", "state": "State",
           "more": "{n} more drawn but not numbered; for the full list send /find major xlsx or /find overdue xlsx in the bot",
           "unpinned": "{n} hazards have no location and are not drawn: {numbers}",
           "hidden": "({n} labels hidden where they would overlap)",
           "none_overdue": "{n} overdue hazards have no location and cannot be marked: {numbers}",
           "none_major": "{n} major hazards have no location and cannot be marked: {numbers}",
           "none_both": "{n} major or overdue hazards ({overdue} of them overdue) have no location and cannot be "
                        "marked: {numbers}"},
}
COLOURS = {"overdue": "#B2182B", "registered": "#F28E2B", "rectified": "#4E79A7", "closure_requested": "#59A14F",
           "other": "#8C8C8C"}


def _kind(p: MapPoint) -> str:
    if p.overdue:
        return "overdue"
    return p.state if p.state in COLOURS else "other"


def _extent(points: Sequence[MapPoint]) -> tuple[float, float, float, float]:
    west, east, south, north = district_bounds()
    for p in points:  # a pin outside the district still shows
        west, east = min(west, p.longitude), max(east, p.longitude)
        south, north = min(south, p.latitude), max(north, p.latitude)
    pad_x, pad_y = (east - west) * 0.03, (north - south) * 0.03
    return west - pad_x, east + pad_x, south - pad_y, north + pad_y


def _free(box: Bbox, taken: list[Bbox], frame: Bbox) -> bool:
    inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
    return inside and not any(box.overlaps(t) for t in taken)


def _place(ax, renderer, x: float, y: float, text: str, taken: list[Bbox], **style) -> object | None:  # type: ignore[no-untyped-def]
    """Put ``text`` next to (x, y) at the first free offset; ``None`` (and nothing drawn) if none is."""
    frame = ax.get_window_extent(renderer)
    for offset in _OFFSETS:
        ha, va = _ALIGN[offset]
        artist = ax.annotate(text, (x, y), xytext=offset, textcoords="offset points", ha=ha, va=va, **style)
        box = artist.get_window_extent(renderer).expanded(1.06, 1.1)
        if _free(box, taken, frame):
            taken.append(box)
            return artist
        artist.remove()
    return None


def _scale_bar(ax, lat: float, t: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    km_per_deg = KM_PER_DEG_LAT * math.cos(math.radians(lat))
    width_km = (x1 - x0) * km_per_deg
    length = max((k for k in SCALE_STEPS_KM if k <= width_km / 4), default=SCALE_STEPS_KM[0])
    deg = length / km_per_deg
    sx, sy = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.04
    ax.add_patch(Polygon([(sx - deg * 0.08, sy - (y1 - y0) * 0.015), (sx + deg * 1.08, sy - (y1 - y0) * 0.015),
                          (sx + deg * 1.08, sy + (y1 - y0) * 0.05), (sx - deg * 0.08, sy + (y1 - y0) * 0.05)],
                         closed=True, facecolor="white", edgecolor="#888888", alpha=0.9, zorder=5))
    ax.plot([sx, sx + deg], [sy, sy], color="black", linewidth=3, solid_capstyle="butt", zorder=6)
    ax.text(sx + deg / 2, sy + (y1 - y0) * 0.012, f"{length:g} {t['km']}", ha="center", va="bottom", fontsize=8, zorder=6)


def _base(ax, t: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    for area in areas():
        district = area.role == "district"
        for ring in area.rings:
            ax.add_patch(Polygon(ring, closed=True, facecolor="#F6F3EC" if district else "#FBFBFB",
                                 edgecolor="#505050" if district else "#C8C8C8", linewidth=1.4 if district else 0.6,
                                 zorder=1 if district else 0))


def _none_pinned(t: dict[str, str], total: int, overdue: int, numbers: str) -> str:
    """What an empty map says when every hazard it should show has no location: how many, and of what kind."""
    if overdue >= total:
        return t["none_overdue"].format(n=total, numbers=numbers)
    if not overdue:
        return t["none_major"].format(n=total, numbers=numbers)
    return t["none_both"].format(n=total, overdue=overdue, numbers=numbers)


def _degrees(suffix: str) -> FuncFormatter:
    return FuncFormatter(lambda v, _pos: f"{v:.2f}°{suffix}")


@cjk_png
def hazard_map(points: Sequence[MapPoint], title: str, unpinned: Sequence[str] = (), unpinned_total: int | None = None,
               lang: str = "zh", unpinned_overdue: int = 0) -> Figure:
    """The map of ``points`` (most urgent first: the first are the ones numbered) under ``title``;
    ``unpinned`` the numbers of hazards without a location (``unpinned_total`` how many in all,
    ``unpinned_overdue`` of them overdue). With no point but some unpinned, the map says how many cannot be
    marked instead of "nothing to mark"."""
    t = TEXTS.get(lang, TEXTS["zh"])
    numbered = len(points) > TEXT_LABELS
    fig = Figure(figsize=(11, 8.6), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)  # a canvas to measure labels on while placing them
    fig.suptitle(title, fontsize=14)
    if points:
        grid = fig.add_gridspec(1, 2, width_ratios=[2.3, 1])
        ax, side = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    else:
        ax, side = fig.add_subplot(), None
    west, east, south, north = _extent(points)
    mid_lat = (south + north) / 2
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1 / math.cos(math.radians(mid_lat)))
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ax.xaxis.set_major_formatter(_degrees("E"))
    ax.yaxis.set_major_formatter(_degrees("N"))
    ax.tick_params(labelsize=7)
    ax.grid(True, linestyle=":", color="#BBBBBB", zorder=0)
    _base(ax, t)
    for kind, colour in COLOURS.items():
        for major in (False, True):
            chosen = [p for p in points if _kind(p) == kind and p.major == major]
            if chosen:
                ax.scatter([p.longitude for p in chosen], [p.latitude for p in chosen], s=70 if major else 36,
                           marker="^" if major else "o", c=colour,
                           edgecolors=["black" if p.supervised else "white" for p in chosen],
                           linewidths=[1.8 if p.supervised else 0.6 for p in chosen], zorder=4)
    _scale_bar(ax, mid_lat, t)
    fig.canvas.draw()  # positions of the axes are final only after a layout pass
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]  # the Agg canvas has one
    taken: list[Bbox] = []
    labelled: list[tuple[int, MapPoint]] = []
    hidden = 0
    if points and not numbered:
        artists = [_place(ax, renderer, p.longitude, p.latitude, p.label[:12], taken, fontsize=8, zorder=7,
                          bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
                   for p in points]
        if any(a is None for a in artists):  # one name has no room: number them all instead
            for a in artists:
                if a is not None:
                    a.remove()  # type: ignore[attr-defined]
            taken.clear()
            numbered = True
    if numbered:
        for i, p in enumerate(points[:MAX_NUMBERED], 1):
            if _place(ax, renderer, p.longitude, p.latitude, str(i), taken, fontsize=7, zorder=7,
                      bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "#666666", "lw": 0.5}) is None:
                hidden += 1
            else:
                labelled.append((i, p))
    if not numbered:
        labelled = list(enumerate(points, 1))
    for town in township_labels():  # background names, wherever a hazard's label leaves room
        _place(ax, renderer, town.longitude, town.latitude, town.name, taken, fontsize=7, color="#7A7A7A", zorder=3)
    total = len(unpinned) if unpinned_total is None else unpinned_total
    missing = shown = ""
    if total:
        shown = "、".join(unpinned[:6]) + ("…" if total > min(len(unpinned), 6) else "")
        missing = t["unpinned"].format(n=total, numbers=shown)
    if side is not None:
        _side(side, labelled, len(points), numbered, hidden, missing, t)
    else:
        message = _fill(_none_pinned(t, total, unpinned_overdue, shown), 34) if total else t["empty"]
        ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", fontsize=13, zorder=8,
                bbox={"boxstyle": "round,pad=0.6", "fc": "white", "ec": "#888888"})
    handles = [Line2D([], [], linestyle="", marker="s", markersize=9, color=c, label=t[k]) for k, c in COLOURS.items()
               if k != "other"]
    handles += [Line2D([], [], linestyle="", marker="^", markersize=9, color="#777777", label=t["major"]),
                Line2D([], [], linestyle="", marker="o", markersize=7, color="#777777", label=t["general"]),
                Line2D([], [], linestyle="", marker="o", markersize=9, markerfacecolor="white", markeredgecolor="black",
                       markeredgewidth=1.8, label=t["supervised"])]
    fig.legend(handles=handles, loc="outside lower center", ncol=4, fontsize=8, frameon=False)
    return fig


def _side(ax, labelled: list[tuple[int, MapPoint]], total: int, numbered: bool, hidden: int,  # type: ignore[no-untyped-def]
          missing: str, t: dict[str, str]) -> None:
    """The legend table of numbered points (or, with names on the map, of every point) and the notes:
    points not numbered, labels hidden, hazards without a location."""
    ax.set_axis_off()
    head = [t["no"], t["ledger"], t["site"], t["state"]] if numbered else [t["ledger"], t["site"], t["state"]]
    cells = [([str(i)] if numbered else []) + [p.number or "—", p.label[:10], t[_kind(p)]] for i, p in labelled]
    if cells:
        table = ax.table(cellText=cells, colLabels=head, loc="upper center", cellLoc="left")
        table.auto_set_font_size(False)
        table.set_fontsize(7)
        table.auto_set_column_width(list(range(len(head))))
        table.scale(1, 1.15)
    notes = []
    if total > len(labelled) + hidden:
        notes.append(t["more"].format(n=total - len(labelled) - hidden))
    if hidden:
        notes.append(t["hidden"].format(n=hidden))
    if missing:
        notes.append(missing)
    if notes:
        ax.text(0.0, 0.0, "\n".join(_fill(n, 30) for n in notes), transform=ax.transAxes, fontsize=7.5, va="bottom")


def _fill(text: str, width: int) -> str:
    """``text`` wrapped at ``width`` characters, breaking after 、 and ： (and spaces) but never inside a
    ledger number or a site name."""
    spaced = text.replace("、", "、 ").replace("：", "： ")
    return fill(spaced, width, break_long_words=False, break_on_hyphens=False).replace("、 ", "、").replace("： ", "：")
