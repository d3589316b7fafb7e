"""/map when the hazards it should show have no location: the picture and its caption say how many (and how many
of them are overdue) instead of "nothing to mark", and no coordinate system's name reaches a leader."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiogram.methods import SendPhoto

import bot.map_chart as map_chart
from bot.charts_base import cjk_fonts
from bot.domain import HazardState, Role
from tests.conftest import FailureLog, Harness
from tests.lifecycle_factories import hazard, person

pytestmark = pytest.mark.sqlite_only


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts written on every map drawn from now on."""
    written: list[str] = []
    draw = map_chart.hazard_map.__wrapped__  # type: ignore[attr-defined]

    def spied(*args: Any, **kwargs: Any) -> bytes:
        with cjk_fonts():
            fig = draw(*args, **kwargs)
        written.append("\n".join(t.get_text() for a in fig.axes for t in a.texts).replace("\n", ""))
        return b"\x89PNG\r\n\x1a\n"

    monkeypatch.setattr(map_chart, "hazard_map", spied)
    return written


async def test_an_overdue_hazard_without_a_pin_is_counted_not_nothing_to_mark(
        harness: Harness, failures: FailureLog, monkeypatch: pytest.MonkeyPatch) -> None:
    written = _spy(monkeypatch)
    leader = await harness.bind(9821, "leader", "区安委会办公室")
    await leader.say("/map")  # nothing at all: the map says so
    [photo] = [m for m in leader.session.requests if isinstance(m, SendPhoto)]
    assert "当前没有需要标注的重大或超期隐患" in written[-1], written
    assert "WGS" not in (photo.caption or "") and "坐标系" not in (photo.caption or ""), photo.caption
    creator = await person(harness.core.uow, "李检查", (Role.INSPECTOR, "110105001"))
    await hazard(harness.core.uow, creator, state=HazardState.REGISTERED, deadline=harness.core.clock.today() - timedelta(days=10))
    sent = await leader.say("/map")
    [photo] = [m for m in sent if isinstance(m, SendPhoto)]
    caption = photo.caption or ""
    assert "当前没有需要标注" not in written[-1], written[-1]
    assert "1 处超期隐患没有位置" in written[-1], written[-1]
    assert "WGS" not in caption and "1 项超期隐患没有位置" in caption, caption
    assert failures.messages() == []
