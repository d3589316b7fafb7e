"""Hostile locations in a form, through the dispatcher (SQLite): a pin of NaN, infinite or huge degrees is refused
with the question asked again (never an error); a live location moving outside 朝阳区, or to NaN, leaves the pin
where it was inside; a venue whose title and address carry markup is kept as text (without a right-to-left override) and shown escaped."""

from __future__ import annotations

import math

import pytest
from aiogram.methods import SendMessage
from aiogram.types import Location

from tests.conftest import FailureLog, Harness
from tests.test_odd_updates import _at_the_address, _open_draft

pytestmark = pytest.mark.sqlite_only
OUTSIDE = "不在朝阳区范围内"


async def test_hostile_pins_and_live_locations(harness: Harness, failures: FailureLog) -> None:
    h = harness
    chat = await _at_the_address(h, 10_976)
    for lat, lon in ((math.nan, 116.46), (39.9, math.inf), (-math.inf, math.nan), (1e308, 1e308), (-90.0, -180.0)):
        await chat.location(lat, lon)
        text = chat.last_text()
        assert OUTSIDE in text and "抱歉" not in text, (lat, lon, text)
    live = h.factory.location(chat.user, 39.9087, 116.4605, live_period=900)
    await chat._feed(live)
    assert "位置已记录" in chat.last_text(), chat.last_text()
    for lat, lon in ((0.0, 0.0), (math.nan, math.nan), (39.9087, math.inf), (31.2304, 121.4737)):
        sent = await chat._feed(h.factory.edited(live, location=Location(latitude=lat, longitude=lon,
                                                                         live_period=900)))
        assert not [m for m in sent if isinstance(m, SendMessage)], sent  # never answered
        place = (await _open_draft(h, chat)).data["address"]
        assert (place["lat"], place["lon"]) == (39.9087, 116.4605), (lat, lon, place)
    assert failures.messages() == []


async def test_a_venue_with_markup_is_kept_as_text(harness: Harness, failures: FailureLog) -> None:
    h = harness
    chat = await _at_the_address(h, 10_977)
    hostile = "朝阳区<b>建国门外</b>大街&amp;1号<script>"
    await chat._feed(h.factory.location(chat.user, 39.9087, 116.4605, hostile, venue_title="<i>\u202e店</i>"))
    text = chat.last_text()
    assert "抱歉" not in text, text
    place = (await _open_draft(h, chat)).data["address"]
    assert (place["lat"], place["lon"]) == (39.9087, 116.4605), place
    assert "\u202e" not in place["address"] and "<i>店</i>" in place["address"], place  # no text turned around
    shown = [m.text or "" for m in h.session.requests if isinstance(m, SendMessage) and m.chat_id == chat.user.id]
    assert not any("<b>建国门外</b>" in t or "<script>" in t for t in shown), shown[-3:]  # escaped when shown
    assert failures.messages() == []
