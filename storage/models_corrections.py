"""The log of an inspection (附件1 row): corrections, voiding and their reasons (migration 0120). A hazard's
log is ``storage.models.HazardEvent``; an inspection has no life cycle, only this trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class InspectionEvent(SQLModel, table=True):
    """One change to an inspection: ``action`` ``edit`` (by who entered it), ``correct`` (the office, with a
    reason in ``note``) or ``void``; ``data`` ``{"changes": {field: [old, new]}}``."""

    __tablename__ = "inspection_event"

    id: int | None = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")
    action: str = Field(max_length=32)
    note: str | None = Field(default=None, max_length=4000)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
