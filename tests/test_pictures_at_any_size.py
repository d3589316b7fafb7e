"""The status chart and the map look right for an empty district, one hazard and a million: the figures are
drawn and their artists checked — no tick label in scientific notation or with a fraction on a count axis,
value labels inside their frame, a legend, labels that do not overlap, nothing outside the canvas, a
message instead of an empty map, hazards without a pin counted."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from bot.charts import status_chart
from bot.charts_base import cjk_fonts
from bot.map_chart import MapPoint, hazard_map
from bot.services.summary import Rate, Status

EMPTY = Status(unit_id=None, scope_name="全区", as_of=date(2019, 6, 10), year=2019, by_state={}, new_this_week=0,
               registered_this_week=0, overdue=0, major_open=0, supervised=0, rectification=Rate(0, 0, Decimal("0.9")),
               coverage=Rate(0, 0, Decimal("0.7")), coverage_milestone=None, verification=Rate(0, 0, None),
               top_categories=[], top_townships=[], worst_units=[], late_units=[])
ONE = replace(EMPTY, by_state={"registered": 1}, overdue=1, top_categories=[("重点消防", 1)],
              rectification=Rate(0, 1, Decimal("0.9")))
MILLION = replace(EMPTY, by_state={"registered": 250_000, "closed": 680_000, "rectified": 70_000}, overdue=31_000,
                  top_categories=[("重点消防", 120_000), ("建设施工", 60_000)],
                  rectification=Rate(680_000, 1_000_000, Decimal("0.9")), coverage=Rate(1300, 1000, Decimal("0.7")))
SCI = re.compile(r"\de[+-]?\d|×10")


def _drawn(draw: object, *args: object, **kwargs: object) -> tuple[Figure, object]:
    with cjk_fonts():
        fig = draw.__wrapped__(*args, **kwargs)  # type: ignore[attr-defined]
        if not isinstance(fig.canvas, FigureCanvasAgg):
            FigureCanvasAgg(fig)
        fig.canvas.draw()
        return fig, fig.canvas.get_renderer()


def _ticks(ax: object) -> list[object]:
    """The tick labels matplotlib draws: those within the axis' view limits."""
    (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())  # type: ignore[attr-defined]
    xs = [t for t in ax.get_xticklabels() if x0 - 1e-9 <= t.get_position()[0] <= x1 + 1e-9]  # type: ignore[attr-defined]
    ys = [t for t in ax.get_yticklabels() if y0 - 1e-9 <= t.get_position()[1] <= y1 + 1e-9]  # type: ignore[attr-defined]
    return xs + ys


def _inside(inner: Bbox, outer: Bbox, slack: float = 1.0) -> bool:
    return (inner.x0 >= outer.x0 - slack and inner.x1 <= outer.x1 + slack
            and inner.y0 >= outer.y0 - slack and inner.y1 <= outer.y1 + slack)


@pytest.mark.parametrize("status", [EMPTY, ONE, MILLION], ids=["empty", "one", "million"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_status_chart_counts_in_whole_numbers_and_keeps_labels_in_their_frame(status: Status, lang: str) -> None:
    fig, renderer = _drawn(status_chart, status, lang)
    canvas = fig.bbox
    for ax in fig.axes:
        if not ax.axison:
            continue
        frame = ax.get_window_extent(renderer)
        count_axis = ax.yaxis if ax is fig.axes[0] else ax.xaxis
        for label in _ticks(ax):
            assert not SCI.search(label.get_text()), label.get_text()
            assert _inside(label.get_window_extent(renderer), canvas)
        if ax is not fig.axes[1]:  # the rates axis is in percent; the others count hazards
            ticks = [t.get_text() for t in _ticks(ax) if t in count_axis.get_ticklabels() and t.get_text()]
            assert ticks and all(re.fullmatch(r"\d{1,3}(,\d{3})*", t) for t in ticks), ticks
        else:
            assert all(t.get_text().endswith("%") for t in ax.get_xticklabels() if t.get_text())
        for text in ax.texts:  # bar value labels and target notes
            assert _inside(text.get_window_extent(renderer), frame, slack=2), text.get_text()
    bars = [p for p in fig.axes[0].patches]
    assert len(bars) == 7  # every state has its slot: one hazard is not a bar across the width
    words = " ".join(t.get_text() for ax in fig.axes for t in ax.get_xticklabels() + ax.get_yticklabels())
    assert ("待审核" in words) == (lang == "zh") and ("in review" in words) == (lang == "en")


def _points(n: int, seed: int = 3) -> list[MapPoint]:
    rnd = random.Random(seed)
    return [MapPoint(116.42 + rnd.random() * 0.2, 39.85 + rnd.random() * 0.18, f"场所{i}", rnd.random() < 0.5,
                     rnd.random() < 0.3, rnd.choice(["registered", "rectified", "closure_requested"]),
                     rnd.random() < 0.2, f"110105001201903{i:06d}") for i in range(n)]


@pytest.mark.parametrize("n", [0, 1, 2000], ids=["empty", "one", "crowded"])
def test_the_map_labels_never_overlap_and_nothing_leaves_the_canvas(n: int) -> None:
    fig, renderer = _drawn(hazard_map, _points(n), "朝阳区重大及超期隐患分布图", ["D0012019"] * 3, 3)
    canvas = fig.bbox
    ax = fig.axes[0]
    frame = ax.get_window_extent(renderer)
    labels = [t for t in ax.texts if t.get_visible() and t.get_text()]
    boxes = [t.get_window_extent(renderer) for t in labels if t.get_zorder() in (3, 7)]  # hazard and township names
    for i, a in enumerate(boxes):
        assert _inside(a, frame)
        assert not any(a.overlaps(b) for b in boxes[i + 1:]), labels[i].get_text()
    everything = [t for a in fig.axes for t in a.texts] + list(fig.texts) + [fig._suptitle]  # type: ignore[attr-defined]
    for text in everything:
        if text is not None and text.get_text():
            assert _inside(text.get_window_extent(renderer), canvas, slack=2), text.get_text()
    for tick in _ticks(ax):
        assert not SCI.search(tick.get_text()) and tick.get_text().endswith(("°E", "°N", "")), tick.get_text()
    assert fig.legends and "重大隐患" in [t.get_text() for t in fig.legends[0].get_texts()]
    scale = [t.get_text() for t in ax.texts if t.get_text().endswith("公里")]
    assert len(scale) == 1
    written = "\n".join(t.get_text() for a in fig.axes for t in a.texts)
    if n == 0:  # nothing to draw, but three to show without a location: counted, not "nothing to mark"
        assert "3 处重大隐患没有位置，无法在图上标注" in written.replace("\n", "")
        assert "当前没有需要标注" not in written
    else:
        assert "另有 3 处隐患没有坐标" in written.replace("\n", "")
        assert len(fig.axes) == 2 and fig.axes[1].tables  # the legend table beside the map
    if n == 1:
        assert "场所0" in written  # one point carries its site's name
    if n == 2000:
        assert "另有" in written and "未编号" in written.replace("\n", "")
