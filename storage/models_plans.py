"""Annual inspection plans (附件3 监督检查计划): one per unit and year, with its arrangement rows.

Due 31 March each year (2018: 15 October), 方案 四(一). Coverage and verification in
``bot.services.summary`` compare the ledger with these targets.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.models import Hazard, HazardEvent, Inspection
from storage.types import ScaledDecimal, UTCDateTime, utcnow


class InspectionPlan(SQLModel, table=True):
    """A unit's plan for one year (附件3 "工作目标").

    ``inspection_target``: 年度监督检查目标 in 家次 (one inspection of one site = 1 家次);
    ``verification_ratio``: 挂账隐患核查比例 in percent (0–100, two decimals).
    """

    __tablename__ = "inspection_plan"
    __table_args__ = (UniqueConstraint("unit_id", "year", name="uq_inspection_plan_unit_year"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    year: int = Field(index=True)
    inspection_target: int
    verification_ratio: Decimal = Field(sa_type=ScaledDecimal(2))
    remarks: str | None = Field(default=None, max_length=2000)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PlanArrangement(SQLModel, table=True):
    """One row of 附件3 "工作安排": when, who, where, what (free text, as the template has it)."""

    __tablename__ = "plan_arrangement"
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="inspection_plan.id", index=True)
    position: int
    schedule: str = Field(max_length=256)
    participants: str = Field(max_length=512)
    areas: str = Field(max_length=1000)
    key_content: str = Field(max_length=2000)


# Indexes on core tables that the status summary reads through (migration 0030). Declared here, on the
# core tables' columns, so that the metadata matches the migrated schema without editing models.py.
_SUMMARY_INDEXES = (
    Index("ix_hazard_event_closure", HazardEvent.to_state, HazardEvent.at, HazardEvent.hazard_id),
    Index("ix_inspection_on_unit", Inspection.inspected_on, Inspection.unit_id),
    Index("ix_inspection_unit_on", Inspection.unit_id, Inspection.inspected_on),
    Index("ix_inspection_type_on", Inspection.inspection_type, Inspection.inspected_on, Inspection.id),
    Index("ix_inspection_unit_created", Inspection.unit_id, Inspection.created_at),
    Index("ix_hazard_unit_updated", Hazard.unit_id, Hazard.updated_at),
    # covering: the one pass over hazards in bot.services.summary._hazard_rows reads only the index
    Index("ix_hazard_summary", Hazard.unit_id, Hazard.state, Hazard.level, Hazard.deadline,
          Hazard.registered_at, Hazard.created_at, Hazard.closed_at, Hazard.id),
    Index("ix_hazard_state_category", Hazard.state, Hazard.category),
    # the year's live inspections (migration 0150): partial, so the status counts read the index alone
    Index("ix_inspection_live_unit_on", Inspection.unit_id, Inspection.inspected_on, Inspection.voided_at,
          postgresql_where=text("voided_at IS NULL"), sqlite_where=text("voided_at IS NULL")),
    Index("ix_inspection_live_type_on", Inspection.inspection_type, Inspection.inspected_on, Inspection.id,
          Inspection.voided_at,
          postgresql_where=text("voided_at IS NULL"), sqlite_where=text("voided_at IS NULL")),
    Index("ix_hazard_state_township", Hazard.state, Hazard.township),
)
