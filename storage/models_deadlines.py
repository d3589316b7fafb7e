"""Extension requests of a registered hazard's rectification deadline (方案 四(三), 五(五)): after registration
the deadline moves only when the district office approves a request; each request keeps the old and the new
date, the reason, who asked, who decided and why (a refusal has a reason).

At most one request per hazard is pending at a time (a partial unique index, on SQLite and PostgreSQL alike).
Dates are Asia/Shanghai calendar dates, timestamps aware UTC.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow

PENDING, APPROVED, REFUSED = "pending", "approved", "refused"
LAPSED = "lapsed"
"""Closed undecided because it became moot: the unit reported the rectification it asked more time for."""


class DeadlineExtension(SQLModel, table=True):
    """One extension request: ``old_deadline`` (the approved deadline when asked) → ``new_deadline`` (later),
    ``reason``; ``status`` pending → approved | refused with ``decided_by``/``decided_at``/``decision_note``, or
    pending → lapsed (``LAPSED``: ``decided_by`` is who reported the rectification that made it moot)."""

    __tablename__ = "deadline_extension"
    __table_args__ = (
        Index("uq_deadline_extension_pending", "hazard_id", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    )
    id: int | None = Field(default=None, primary_key=True)
    hazard_id: int = Field(foreign_key="hazard.id", index=True)
    old_deadline: date | None = None
    new_deadline: date
    reason: str = Field(max_length=2000)
    status: str = Field(default=PENDING, max_length=8)
    requested_by: int = Field(foreign_key="app_user.id")
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by: int | None = Field(default=None, foreign_key="app_user.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision_note: str | None = Field(default=None, max_length=2000)
