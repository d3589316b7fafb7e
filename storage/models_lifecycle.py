"""Tables of the hazard life cycle after submission (方案 四(三), 五(一)(五)): the rectification plan with
its five implementations (五落实), rectification reports with acceptance evidence, re-inspections (复查),
verification samples and checks (核查), supervisions (挂牌督办), December lookback checks (回头看) and
links between an old hazard and the new ones found during a lookback.

The state of a hazard lives on ``hazard``; the evidence of every step is also in ``hazard_event``.
Dates are Asia/Shanghai calendar dates, amounts in 万元 (4 decimals), timestamps aware UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import ScaledDecimal, UTCDateTime, utcnow


def _ts(**kw: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **kw)


def _ids() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class RectificationPlan(SQLModel, table=True):
    """The current five implementations (五落实) of one hazard: responsibility, measures, funds (万元),
    deadline and contingency plan. ``hazard.measures`` / ``hazard.deadline`` mirror the ledger columns."""

    __tablename__ = "rectification_plan"
    id: int | None = Field(default=None, primary_key=True)
    hazard_id: int = Field(foreign_key="hazard.id", unique=True, index=True)
    responsibility: str | None = Field(default=None, max_length=512)
    measures: str | None = Field(default=None, max_length=4000)
    funds: Decimal | None = Field(default=None, sa_type=ScaledDecimal(4))
    deadline: date | None = None
    contingency_plan: str | None = Field(default=None, max_length=4000)
    updated_by: int = Field(foreign_key="app_user.id")
    updated_at: datetime = _ts()


class Rectification(SQLModel, table=True):
    """One rectification report (整改 + 验收): a snapshot of the five implementations at the time and the
    acceptance evidence — ``photo_ids`` (``photo`` rows of stage acceptance/rectification) and/or a
    document (整改验收材料): ``document_name`` (the safe name to send it back under), its bytes in the project's
    file store (``document_key``, content-addressed; ``document_sha256``, ``document_size`` bytes ≤ 20 MB,
    ``document_mime`` as recognised from the bytes). A document received before the store (migration 0180)
    has no key: its old messenger reference is kept in ``document_legacy_ref`` and cannot be fetched offline."""

    __tablename__ = "rectification"
    id: int | None = Field(default=None, primary_key=True)
    hazard_id: int = Field(foreign_key="hazard.id", index=True)
    responsibility: str | None = Field(default=None, max_length=512)
    measures: str | None = Field(default=None, max_length=4000)
    funds: Decimal | None = Field(default=None, sa_type=ScaledDecimal(4))
    deadline: date | None = None
    contingency_plan: str | None = Field(default=None, max_length=4000)
    accepted_on: date | None = None
    photo_ids: list[int] = _ids()
    document_name: str | None = Field(default=None, max_length=256)
    document_key: str | None = Field(default=None, max_length=67)
    document_sha256: str | None = Field(default=None, max_length=64)
    document_size: int | None = None
    document_mime: str | None = Field(default=None, max_length=128)
    document_legacy_ref: str | None = Field(default=None, max_length=256)
    note: str | None = Field(default=None, max_length=2000)
    reported_by: int = Field(foreign_key="app_user.id")
    reported_at: datetime = _ts()


class Reinspection(SQLModel, table=True):
    """One on-site re-inspection (复查): ``result`` is 复查合格 or 复查不合格; a failure sets ``new_deadline``."""

    __tablename__ = "reinspection"
    id: int | None = Field(default=None, primary_key=True)
    hazard_id: int = Field(foreign_key="hazard.id", index=True)
    rectification_id: int | None = Field(default=None, foreign_key="rectification.id")
    inspected_on: date
    result: str = Field(max_length=8)
    new_deadline: date | None = None
    note: str | None = Field(default=None, max_length=2000)
    photo_ids: list[int] = _ids()
    inspected_by: int = Field(foreign_key="app_user.id")
    recorded_at: datetime = _ts()


class VerificationSample(SQLModel, table=True):
    """A draw of closed hazards of one unit for verification (核查), at ``ratio_percent`` of those closed
    between ``period_start`` and ``period_end`` (inclusive, Asia/Shanghai); ``closed_count`` of them."""

    __tablename__ = "verification_sample"
    __table_args__ = (UniqueConstraint("unit_id", "period_start", "period_end"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    period_start: date
    period_end: date
    ratio_percent: Decimal = Field(sa_type=ScaledDecimal(2))
    closed_count: int
    drawn_by: int = Field(foreign_key="app_user.id")
    drawn_at: datetime = _ts()


class Verification(SQLModel, table=True):
    """One verification check of one closed hazard; ``result`` is pending, passed or failed."""

    __tablename__ = "verification"
    __table_args__ = (UniqueConstraint("sample_id", "hazard_id"),)
    id: int | None = Field(default=None, primary_key=True)
    sample_id: int | None = Field(default=None, foreign_key="verification_sample.id", index=True)
    hazard_id: int = Field(foreign_key="hazard.id", index=True)
    result: str = Field(default="pending", max_length=8)
    note: str | None = Field(default=None, max_length=2000)
    photo_ids: list[int] = _ids()
    checked_by: int | None = Field(default=None, foreign_key="app_user.id")
    checked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Supervision(SQLModel, table=True):
    """A hazard put under supervision (挂牌督办) at ``level`` (区政府, 区安委会, 街乡, 区安委会办公室; 方案 五(五)),
    with the ``requirement`` (督办要求), the supervision ``deadline`` (督办期限, Asia/Shanghai date) and the
    ``responsible`` person (责任人); open while ``ended_at`` is empty (it ends when the hazard is closed)."""

    __tablename__ = "supervision"
    id: int | None = Field(default=None, primary_key=True)
    hazard_id: int = Field(foreign_key="hazard.id", index=True)
    level: str = Field(max_length=8)
    note: str | None = Field(default=None, max_length=2000)
    requirement: str | None = Field(default=None, max_length=2000)
    deadline: date | None = None
    responsible: str | None = Field(default=None, max_length=128)
    started_by: int = Field(foreign_key="app_user.id")
    started_at: datetime = _ts()
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LookbackCheck(SQLModel, table=True):
    """A December lookback (回头看) re-inspection of a closed hazard: ``rebound`` true when it came back."""

    __tablename__ = "lookback_check"
    id: int | None = Field(default=None, primary_key=True)
    hazard_id: int = Field(foreign_key="hazard.id", index=True)
    year: int = Field(index=True)
    inspected_on: date
    rebound: bool
    note: str | None = Field(default=None, max_length=2000)
    photo_ids: list[int] = _ids()
    inspected_by: int = Field(foreign_key="app_user.id")
    recorded_at: datetime = _ts()


class HazardLink(SQLModel, table=True):
    """A new hazard (新生隐患) found during the lookback of ``hazard_id``."""

    __tablename__ = "hazard_link"
    hazard_id: int = Field(foreign_key="hazard.id", primary_key=True)
    new_hazard_id: int = Field(foreign_key="hazard.id", primary_key=True, index=True)
    kind: str = Field(default="lookback_new", max_length=16)
    linked_by: int = Field(foreign_key="app_user.id")
    linked_at: datetime = _ts()
