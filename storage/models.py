"""SQLModel tables of the core: units, people and roles, invite codes, drafts, inspections (附件1),
hazards (附件2), photos, the hazard event log and number sequences.

Timestamps are aware UTC (``UTCDateTime``); calendar dates (inspected on, deadline) are
Asia/Shanghai local dates. Amounts are in 万元 (4 decimals), areas in m² (2 decimals).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, func
from sqlmodel import Field, SQLModel, col

from storage.types import ScaledDecimal, UTCDateTime, utcnow


def _ts(**kw: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **kw)


class Unit(SQLModel, table=True):
    """A township (街道/地区, ``code`` = 9-digit NBS code), a department (``code`` = ``dept-NN``) or a functional-zone
    committee (功能区管委会, ``code`` = ``zone-NN``, ``kind`` 功能区管委会)."""

    __tablename__ = "unit"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=16)
    is_township: bool = False


class User(SQLModel, table=True):
    """A person known to the bot, reached at ``(channel, address)`` (``bot.channels.ChannelAddress``: e.g.
    ``telegram`` and the Telegram user id as text). One address per user; the pair is unique. ``full_name`` is
    their Telegram display name (refreshed on every update); ``registered_name`` the name 附件4 gives them."""

    __tablename__ = "app_user"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_app_user_channel_address"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    address: str = Field(max_length=64)
    full_name: str = Field(default="", max_length=256)
    language: str | None = Field(default=None, max_length=16)
    created_at: datetime = _ts()
    #: the name of the contact form (附件4) entry they bound to (migration 0190); None until then
    registered_name: str | None = Field(default=None, max_length=64)

    @property
    def record_name(self) -> str:
        """The name put on records and printed papers: the registered name (附件4), else the Telegram name."""
        return self.registered_name or self.full_name


def record_name_sql() -> Any:
    """``User.record_name`` as an SQL expression, to select beside other columns (a join on ``app_user``)."""
    return func.coalesce(col(User.registered_name), col(User.full_name))


class Membership(SQLModel, table=True):
    """A role a user holds for one unit, obtained with an invite code."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "unit_id", "role"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    role: str = Field(max_length=16)
    created_at: datetime = _ts()


class InviteCode(SQLModel, table=True):
    """A single-use code granting ``role`` for ``unit_id`` until ``expires_at``; ``registered_name``, when the
    issuer named the person, becomes their ``User.registered_name`` as they redeem it."""

    __tablename__ = "invite_code"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    role: str = Field(max_length=16)
    unit_id: int = Field(foreign_key="unit.id")
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = _ts()
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_by: int | None = Field(default=None, foreign_key="app_user.id")
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: the name the issuer gave the person invited (migration 0200), their registered name once redeemed
    registered_name: str | None = Field(default=None, max_length=64)


class Draft(SQLModel, table=True):
    """A form being filled in: answers so far, the step asked now and the path taken.

    ``data`` maps field keys to JSON values; ``history`` is the list of field keys answered in order
    (for "back"); ``reviewing`` is true once the review card has been shown.
    """

    __tablename__ = "draft"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    form: str = Field(max_length=32)
    status: str = Field(default="active", max_length=16, index=True)
    step: str | None = Field(default=None, max_length=64)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    history: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reviewing: bool = False
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Inspection(SQLModel, table=True):
    """One supervisory inspection (附件1 row)."""

    __tablename__ = "inspection"
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True, index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    inspected_on: date = Field(index=True)
    inspecting_unit: str = Field(max_length=128)
    inspection_type: str = Field(max_length=16)
    inspector_count: int
    site_name: str = Field(max_length=256)
    district: str = Field(max_length=32)
    township: str = Field(max_length=64)
    address: str = Field(max_length=512)
    latitude: float | None = None
    longitude: float | None = None
    penalty_type: str | None = Field(default=None, max_length=16)
    fine_amount: Decimal | None = Field(default=None, sa_type=ScaledDecimal(4))
    remarks: str | None = Field(default=None, max_length=2000)
    created_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = _ts()
    # voided (entered in error): out of the 附件1 ledger and the counts, kept with its log (migration 0120)
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    voided_by: int | None = Field(default=None, foreign_key="app_user.id")
    void_reason: str | None = Field(default=None, max_length=2000)
    # the life cycle check (复查, 核查, 回头看) this row records, if it was written by one
    source_event_id: int | None = Field(default=None, foreign_key="hazard_event.id", unique=True, index=True)


class Hazard(SQLModel, table=True):
    """One safety hazard (附件2 row). ``ledger_number`` and ``registered_at`` are set at registration.

    ``state`` is a ``bot.domain.HazardState``; ``version`` guards concurrent transitions.
    """

    __tablename__ = "hazard"
    __table_args__ = (Index("ix_hazard_unit_state", "unit_id", "state"),)
    id: int | None = Field(default=None, primary_key=True)
    draft_number: str = Field(max_length=32, unique=True, index=True)
    ledger_number: str | None = Field(default=None, max_length=32, unique=True, index=True)
    registered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    state: str = Field(max_length=24, index=True)
    version: int = 1
    unit_id: int = Field(foreign_key="unit.id", index=True)
    district: str = Field(max_length=32)
    township_code: str = Field(max_length=16, index=True)
    township: str = Field(max_length=64)
    site_name: str = Field(max_length=256)
    address: str = Field(max_length=512)
    latitude: float | None = None
    longitude: float | None = None
    person_in_charge: str = Field(max_length=64)
    phone: str = Field(max_length=32)
    entity_nature: str = Field(max_length=32)
    occupant_count: int
    parent_group: str | None = Field(default=None, max_length=256)
    district_department: str | None = Field(default=None, max_length=64, index=True)
    city_department: str | None = Field(default=None, max_length=64, index=True)
    source: str = Field(max_length=8)
    description: str = Field(max_length=4000)
    category: str = Field(max_length=32)
    subtype: str = Field(max_length=32)
    level: str = Field(max_length=8)
    illegal_building_nature: str = Field(max_length=16)
    illegal_area: Decimal | None = Field(default=None, sa_type=ScaledDecimal(2))
    demolished_area: Decimal | None = Field(default=None, sa_type=ScaledDecimal(2))
    measures: str = Field(max_length=4000)
    deadline: date | None = Field(default=None, index=True)
    reinspected_on: date | None = None
    reinspection_result: str = Field(default="未复查", max_length=8)
    remarks: str | None = Field(default=None, max_length=2000)
    created_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    # the functional zone (功能区管委会) the site lies in: ``hazard_query.zone_of`` (migration 0140)
    zone_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    # covering column of the status (migration 0150): the instant of the closure (销账) that closed it, written
    # in the transaction of that closure event; empty while the hazard is not closed
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InspectionHazard(SQLModel, table=True):
    """The hazards found in (or checked by) an inspection: 附件1 "隐患台账编号"."""

    __tablename__ = "inspection_hazard"
    inspection_id: int = Field(foreign_key="inspection.id", primary_key=True)
    hazard_id: int = Field(foreign_key="hazard.id", primary_key=True, index=True)


class Photo(SQLModel, table=True):
    """One received image: the original bytes are in the photo store under ``storage_key``
    (derived from ``sha256``); ``media_*`` is the channel's reference to it (``bot.channels.MediaRef``). Belongs to a draft while a form is open, then to its record."""

    __tablename__ = "photo"
    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(max_length=64, index=True)
    storage_key: str = Field(max_length=128)
    size: int
    mime: str | None = Field(default=None, max_length=64)
    width: int | None = None
    height: int | None = None
    # the channel's reference to the picture as received (``bot.channels.MediaRef``), to send it again
    media_channel: str | None = Field(default=None, max_length=16)
    media_ref: str | None = Field(default=None, max_length=256)
    media_unique: str | None = Field(default=None, max_length=64)
    stage: str = Field(max_length=16)
    draft_id: int | None = Field(default=None, foreign_key="draft.id", index=True)
    hazard_id: int | None = Field(default=None, foreign_key="hazard.id", index=True)
    inspection_id: int | None = Field(default=None, foreign_key="inspection.id", index=True)
    user_id: int = Field(foreign_key="app_user.id")
    received_at: datetime = _ts()


class HazardEvent(SQLModel, table=True):
    """Append-only log of everything that happened to a hazard ("一患一案")."""

    __tablename__ = "hazard_event"
    id: int | None = Field(default=None, primary_key=True)
    hazard_id: int = Field(foreign_key="hazard.id", index=True)
    at: datetime = _ts()
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")
    action: str = Field(max_length=32)
    from_state: str | None = Field(default=None, max_length=24)
    to_state: str | None = Field(default=None, max_length=24)
    note: str | None = Field(default=None, max_length=4000)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class NumberSequence(SQLModel, table=True):
    """The last number handed out in a scope, e.g. ``ledger:110105001:20181015``."""

    __tablename__ = "number_sequence"
    scope: str = Field(max_length=64, primary_key=True)
    last: int = 0
