"""Whether a hazard's deadline extension request is still waiting, as the card, the office's decision and the
rectification report all read it: from the request's own row (``DeadlineExtension.status``), never guessed from
the events around it.

A pending request is moot once the unit reports the rectification done (整改, 方案 四(三)): the time it asked
for is no longer needed. ``lapse_pending`` closes it as ``lapsed`` in the rectification's own transaction, so the
card stops showing it as waiting and the office's approve / refuse buttons on it answer that it is closed.
Requests left pending by reports made before this rule were lapsed once by migration 0200, so every reader can
trust the row's status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import User
from storage.models_deadlines import LAPSED, PENDING, DeadlineExtension

LAPSE_NOTE = "已报告整改，延期申请不再需要"
"""The decision note of a request closed by the rectification report (shown in the history and the case file)."""


@dataclass(frozen=True)
class PendingExtension:
    """The request waiting for the office: its id, the date asked (Asia/Shanghai) and who asked."""

    id: int
    new_deadline: date
    requested_by: str


async def pending_request(session: AsyncSession, hazard_id: int) -> DeadlineExtension | None:
    """The hazard's request still waiting for the office (at most one: a partial unique index), or ``None``."""
    return (await session.exec(select(DeadlineExtension).where(
        DeadlineExtension.hazard_id == hazard_id, DeadlineExtension.status == PENDING))).first()


async def pending_extension(session: AsyncSession, hazard_id: int) -> PendingExtension | None:
    """``pending_request`` as the card shows it (the requester's name), or ``None``."""
    ext = await pending_request(session, hazard_id)
    if ext is None or ext.id is None:
        return None
    user = await session.get(User, ext.requested_by)
    return PendingExtension(ext.id, ext.new_deadline, user.full_name if user is not None else "")


async def close_if_pending(session: AsyncSession, ext: DeadlineExtension, status: str, by_user_id: int,
                           now: datetime, note: str | None) -> bool:
    """Set ``ext``'s ``status`` (approved, refused, lapsed) with who, when and the note, if it is still pending:
    a guarded UPDATE, so of two people acting at once one wins; ``False`` (nothing changed) for the other.
    ``ext`` is read again either way. Does not commit."""
    result = await session.exec(
        update(DeadlineExtension)
        .where(col(DeadlineExtension.id) == ext.id, col(DeadlineExtension.status) == PENDING)
        .values(status=status, decided_by=by_user_id, decided_at=now, decision_note=note)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(ext)
    return bool(result.rowcount == 1)


async def lapse_pending(session: AsyncSession, hazard_id: int, by_user_id: int, now: datetime) -> DeadlineExtension | None:
    """Close the hazard's pending request as ``LAPSED`` (by ``by_user_id`` at ``now``, note ``LAPSE_NOTE``); the
    request closed, or ``None`` when none was waiting (an office decision committed first wins). Does not commit."""
    ext = await pending_request(session, hazard_id)
    if ext is None or not await close_if_pending(session, ext, LAPSED, by_user_id, now, LAPSE_NOTE):
        return None
    return ext
