"""Number sequences: ledger numbers (附件2 填表说明 1), draft numbers and inspection numbers.

A sequence is one row per scope, advanced by a single ``INSERT … ON CONFLICT DO UPDATE … RETURNING``:
the database serialises concurrent callers, so two numbers handed out at the same instant differ.
"""

from __future__ import annotations

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import NumberSequence
from storage.upsert import dialect_insert


async def next_in_sequence(session: AsyncSession, scope: str) -> int:
    """Advance the sequence ``scope`` by one and return the new value (1 for a new scope).

    Runs in the caller's transaction; on PostgreSQL the row stays locked until it ends.
    """
    insert = dialect_insert(session)
    table = NumberSequence.__table__  # type: ignore[attr-defined]
    stmt = insert(table).values(scope=scope, last=1)
    stmt = stmt.on_conflict_do_update(index_elements=["scope"], set_={"last": table.c.last + 1})
    result = await session.exec(stmt.returning(table.c.last))
    return int(result.scalar_one())


def format_ledger_number(district_code: str, township_code: str, registered_on: date, sequence: int) -> str:
    """``110105`` + ``001`` + ``20181015`` + ``0001`` (附件2 填表说明 1: 区代号+街乡代号+上账时间+序号).

    ``township_code`` may be the 9-digit code or its 3-digit township part.
    Raises ``ValueError`` when a part has the wrong shape or ``sequence`` exceeds 9999.
    """
    township = township_code[-3:]
    if len(district_code) != 6 or not district_code.isdigit() or not township.isdigit() or len(township) != 3:
        raise ValueError(f"bad district/township code {district_code!r}/{township_code!r}")
    if not 1 <= sequence <= 9999:
        raise ValueError(f"ledger sequence {sequence} outside 1..9999")
    return f"{district_code}{township}{registered_on:%Y%m%d}{sequence:04d}"


async def next_ledger_number(
    session: AsyncSession, district_code: str, township_code: str, registered_on: date
) -> str:
    """The next ledger number for the township and registration date (Asia/Shanghai)."""
    township = township_code[-3:]
    seq = await next_in_sequence(session, f"ledger:{district_code}{township}:{registered_on:%Y%m%d}")
    return format_ledger_number(district_code, township_code, registered_on, seq)


async def next_draft_number(session: AsyncSession, township_code: str, on: date) -> str:
    """A hazard's number before registration: ``D`` + township (3 digits) + date + 4-digit sequence."""
    township = township_code[-3:]
    seq = await next_in_sequence(session, f"draft:{township}:{on:%Y%m%d}")
    return f"D{township}{on:%Y%m%d}{seq:04d}"


async def next_inspection_number(session: AsyncSession, on: date) -> str:
    """An inspection's number: ``J`` + date + 4-digit sequence (per day, district-wide)."""
    seq = await next_in_sequence(session, f"inspection:{on:%Y%m%d}")
    return f"J{on:%Y%m%d}{seq:04d}"
