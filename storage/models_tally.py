"""The status's tallies (issue 19 item 1): counters of hazards by what the status asks of them, kept in the
transaction of every write that changes a hazard (``storage.tally``), so that ``/status`` adds up a few thousand
counter rows instead of reading a million hazards. Migration 0170.

Dates are calendar dates in ``storage.tally.TALLY_ZONE`` (Asia/Shanghai)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class StatusTally(SQLModel, table=True):
    """``n`` hazards share the key (``scope_id``, ``kind``, ``grain``, ``day``, ``a``, ``b``): ``scope_id`` 0 is
    the district (each hazard once), else a unit whose read scope holds them (each hazard once per unit);
    ``kind`` and the meaning of ``a``/``b`` are in ``storage.tally.contributions``. A dated kind is kept at three
    grains (``y`` the year's 1 January, ``m`` the month's 1st, ``d`` the day) so that "before day X" adds up
    at most the years, the months and the days of one month; an undated kind has grain ``-`` and ``day``
    ``storage.tally.NO_DAY``. Rows may hold 0 (never negative)."""

    __tablename__ = "status_tally"
    __table_args__ = (Index("ix_status_tally_kind", "kind", "grain", "day", "scope_id", "a", "b", "n"),)
    scope_id: int = Field(primary_key=True)
    kind: str = Field(primary_key=True, max_length=12)
    grain: str = Field(primary_key=True, max_length=1)
    day: date = Field(primary_key=True)
    a: str = Field(primary_key=True, max_length=64)
    b: str = Field(primary_key=True, max_length=64)
    n: int = 0


class HazardTally(SQLModel, table=True):
    """What a hazard contributes to ``status_tally`` now (``storage.tally.Facts``): the facts its counters were
    last bumped with, so that a later write can take them back exactly (old −1, new +1) whatever path changed
    the hazard. ``scopes``: the ids of the units whose read scope holds it, comma-separated, ascending."""

    __tablename__ = "hazard_tally"
    hazard_id: int = Field(primary_key=True)
    unit_id: int  # the recording unit
    scopes: str = Field(max_length=256)
    state: str = Field(max_length=24)
    major: bool
    deadline: date | None = None
    created_on: date | None = None
    registered_on: date | None = None
    closed_on: date | None = None
    verified_on: date | None = None
    category: str = Field(max_length=32)
    township: str = Field(max_length=64)
