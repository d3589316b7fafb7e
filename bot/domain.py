"""Vocabulary of the campaign shared by every layer: roles, hazard states, photo stages.

Values are stored in the database as these strings; never rename one without a migration.
Source: design.md "Hazard life cycle" and "Roles"; 方案 四(二)(三), 五(一)(五).
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A person's role for one unit. ``public`` needs no binding."""

    PUBLIC = "public"
    INSPECTOR = "inspector"
    REVIEWER = "reviewer"
    OFFICE = "office"
    LEADER = "leader"
    CONTACT = "contact"
    ADMIN = "admin"


# the largest id a record can have: PostgreSQL's INTEGER (SQLite's holds more), so a number from
# outside (a button, a command) beyond it names nothing and is refused before it reaches a query
MAX_RECORD_ID = 2**31 - 1

DISTRICT_OFFICE_CODE = "dept-01"  # 区安委会办公室 (config/data/departments.csv, first row)
DISTRICT_GOVERNMENT_CODE = "dept-35"  # 区政府 (config/data/departments.csv, kind 其他)
DISTRICT_DEPARTMENT_KIND = "区级部门"  # the registry kind of the district's own departments (区应急局, 区农委…)


def is_district_unit(unit_code: str, unit_kind: str) -> bool:
    """Whether a unit is district-level: one of the district's own departments (kind 区级部门, 区安委会办公室
    among them) or 区政府 — not a township, a functional zone, nor a city body's branch (市级单位) or an enterprise.
    Its leaders read what every unit submits (``/submissions``, 方案 五(二): 区安委办 collects and 通报)."""
    return unit_code == DISTRICT_GOVERNMENT_CODE or unit_kind == DISTRICT_DEPARTMENT_KIND


def role_fits_unit(role: Role, unit_code: str) -> bool:
    """Whether ``role`` may be held at the unit ``unit_code``. The office role acts for the whole
    district (design.md "Roles": 区安委会办公室 confirms, closes and spot-checks), so it is held at
    区安委会办公室 only; given at a township it would hand district powers to someone shown as that
    township's."""
    return role != Role.OFFICE or unit_code == DISTRICT_OFFICE_CODE


def record_id(text: str) -> int | None:
    """``text`` as a record id (ASCII digits, 1..``MAX_RECORD_ID``); None for anything else."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_RECORD_ID)):
        return None
    value = int(text)
    return value if 0 < value <= MAX_RECORD_ID else None


class HazardState(StrEnum):
    """States of a hazard (design.md life cycle). Overdue is derived, never stored."""

    PENDING_REVIEW = "pending_review"
    PENDING_CONFIRMATION = "pending_confirmation"
    REGISTERED = "registered"
    RECTIFIED = "rectified"
    CLOSURE_REQUESTED = "closure_requested"
    CLOSED = "closed"
    REJECTED = "rejected"


class PhotoStage(StrEnum):
    """The stage of a hazard's life a photo documents (方案 五(一))."""

    DISCOVERY = "discovery"
    INSPECTION = "inspection"
    RECTIFICATION = "rectification"
    ACCEPTANCE = "acceptance"
    REINSPECTION = "reinspection"
    VERIFICATION = "verification"
    TIPOFF = "tipoff"


class DraftStatus(StrEnum):
    """A form draft's status: being filled, submitted, or cancelled."""

    ACTIVE = "active"
    SUBMITTED = "submitted"
    CANCELLED = "cancelled"
