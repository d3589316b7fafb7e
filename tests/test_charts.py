"""Pictures: Chinese labels render with the bundled font (a missing glyph warns, and warnings fail tests),
and the map shows the right hazards without any network."""

from __future__ import annotations

import io
import warnings
from datetime import date

import pytest
from matplotlib.figure import Figure
from PIL import Image

from bot.charts import status_chart
from bot.charts_base import cjk_fonts
from bot.map_chart import MapPoint, hazard_map
from bot.services.summary import compute_status, map_hazards
from storage.db import UowFactory
from tests.summary_ledger import RULES, SH, hazard, sh, unit, user
from tests.test_summary import NOW, build


def test_without_the_bundled_font_chinese_glyphs_are_missing() -> None:
    # the control for the tests below: DejaVu Sans alone has no CJK glyphs and matplotlib says so
    fig = Figure()
    fig.text(0.5, 0.5, "隐患", family="DejaVu Sans")
    with pytest.warns(UserWarning, match="Glyph .* missing"):
        fig.savefig(io.BytesIO(), format="png")


async def test_status_chart_renders_chinese_labels(uow: UowFactory) -> None:
    await build(uow)
    async with uow() as u:
        status = await compute_status(u.session, NOW, rules=RULES)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = status_chart(status)
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.size == (990, 825)


async def test_without_open_hazards_the_type_panel_says_so_instead_of_an_empty_axis(uow: UowFactory) -> None:
    async with uow() as u:
        status = await compute_status(u.session, NOW, rules=RULES)
    assert status.top_categories == []
    with cjk_fonts():
        fig = status_chart.__wrapped__(status)  # type: ignore[attr-defined]  (the figure before it becomes a PNG)
    panel = fig.axes[2]
    assert not panel.axison and [t.get_text() for t in panel.texts] == ["无在账隐患"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Image.open(io.BytesIO(status_chart(status))).format == "PNG"


async def test_map_shows_major_and_overdue_hazards_with_coordinates(uow: UowFactory) -> None:
    await build(uow)
    async with uow() as u:
        a = await unit(u.session, "110105001")
        me = await user(u.session, telegram_id=2)
        u.session.add_all([
            hazard(a, me, state="registered", registered=sh(date(2019, 3, 1)), deadline=date(2019, 5, 1),
                   latitude=39.91, longitude=116.45, site_name="超期仓库"),
            hazard(a, me, state="rectified", registered=sh(date(2019, 3, 1)), level="重大隐患",
                   latitude=39.95, longitude=116.50, site_name="重大市场"),
            hazard(a, me, state="closed", registered=sh(date(2019, 3, 1)), level="重大隐患",
                   latitude=39.96, longitude=116.52, site_name="已销账"),
        ])
        await u.commit()
    async with uow() as u:
        points = await map_hazards(u.session, NOW, SH)
    assert [(p.site_name, p.major, p.overdue) for p in points] == [("超期仓库", False, True), ("重大市场", True, False)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = hazard_map([MapPoint(p.longitude, p.latitude, p.site_name, p.major, p.overdue) for p in points], "朝阳区重大及超期隐患")
        empty = hazard_map([], "无")
    assert Image.open(io.BytesIO(png)).size == (1210, 946) and Image.open(io.BytesIO(empty)).format == "PNG"
