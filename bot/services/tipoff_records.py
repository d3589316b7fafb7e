"""Tip-off records inside a caller's unit of work (nothing here commits): creating a tip-off from
the finished report form, adding to it, linking it to the hazard it became, mirroring that hazard's
state, and the notices each step owes to the reporter and to the township.

Privacy (issue 6): notices to inspectors carry the tip-off's number, township, address and
description only; the reporter's identity and contact never leave ``TipOff``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import DISTRICT_OFFICE_CODE, PhotoStage, Role
from bot.forms.checks import Rejected, counted_length
from bot.forms.prompt import Submitted
from bot.services import notice_texts
from bot.services.media_refs import photo_row
from bot.services.notices import Notice
from bot.services.numbers import next_in_sequence
from bot.services.places import place_columns
from bot.services.tipoff_rules import (
    AWAITING_VERIFICATION,
    OPEN,
    TO_DISTRICT_OFFICE,
    UNKNOWN_TOWNSHIP,
    TipOffStatus,
    format_tipoff_number,
    guess_township,
    status_for_hazard,
)
from bot.settings import Settings
from reminders.texts import text
from storage.models import Draft, Hazard, Membership, Photo, Unit, User
from storage.models_tipoffs import TipOff, TipOffAddition, TipOffBlock, TipOffDailyCount, TipOffPhoto
from storage.registry import UnitEntry, by_code, find_township
from storage.types import utcnow
from storage.upsert import dialect_insert

#: roles of a township that receive its tip-offs in their queue
QUEUE_ROLES = (Role.INSPECTOR.value, Role.REVIEWER.value)


def open_tipoff_callback(tipoff_id: int) -> str:
    """The callback data of the "Open tip-off" button under a verifier's notice, as the handlers' ``TipCb(a="v",
    id=tipoff_id)`` packs it (a test holds the two together)."""
    return f"t1:v:{tipoff_id}:0::0"


def status_notice(tipoff: TipOff, status: str, *, township: str = "", reason: str | None = None,
                  follows: str = "registered") -> Notice:
    """The reporter of ``tipoff`` is told its (effective) ``status`` in plain words (``reason``: why it was not
    confirmed)."""
    words = text(notice_texts.tipoff_status, tipoff.number, status, township, reason, follows)
    return Notice(tipoff.reporter_user_id, "tipoff_status", words, about=tipoff.number)


async def origin_of(session: AsyncSession, hazard_id: int) -> TipOff | None:
    """The tip-off hazard ``hazard_id`` came from (查实), or the one merged into it that a reporter's 仍未整改 put
    back in the township's queue: the first linked tip-off that is not merged, whatever its status (it keeps the
    link while the township verifies it again or after it found it untrue). None for a hazard no tip-off became.
    The reporters of the tip-offs merged into the hazard follow this one (``TipOffService._root``)."""
    return (await session.exec(
        select(TipOff).where(TipOff.hazard_id == hazard_id, TipOff.status != TipOffStatus.MERGED.value)
        .order_by(col(TipOff.id))
    )).first()


async def merged_into_hazard(session: AsyncSession, hazard_id: int) -> list[TipOff]:
    """Tip-offs merged into hazard ``hazard_id`` itself (status merged, no ``merged_into_id``), oldest first."""
    return list((await session.exec(
        select(TipOff).where(TipOff.hazard_id == hazard_id, TipOff.status == TipOffStatus.MERGED.value,
                             col(TipOff.merged_into_id).is_(None))
        .order_by(col(TipOff.id))
    )).all())


async def followers(session: AsyncSession, tipoff: TipOff) -> list[TipOff]:
    """Tip-offs whose reporters follow ``tipoff``: those merged into it and, when it is the tip-off its hazard came
    from (``origin_of``), those merged into that hazard. Read before ``tipoff``'s status or link changes."""
    rows = list((await session.exec(select(TipOff).where(TipOff.merged_into_id == tipoff.id))).all())
    if tipoff.hazard_id is not None and tipoff.status != TipOffStatus.MERGED:
        origin = await origin_of(session, tipoff.hazard_id)
        if origin is not None and origin.id == tipoff.id:
            rows += await merged_into_hazard(session, tipoff.hazard_id)
    return sorted(rows, key=lambda t: t.id or 0)


async def status_notices(session: AsyncSession, tipoff: TipOff, *, township: str = "") -> list[Notice]:
    """Notices of ``tipoff``'s new status to its reporter and to the reporters who follow it."""
    return [status_notice(t, tipoff.status, township=township, reason=tipoff.reason)
            for t in [tipoff, *await followers(session, tipoff)]]


async def township_staff(session: AsyncSession, township_code: str) -> list[int]:
    """The users who verify the tip-offs of township ``township_code`` (its inspectors and reviewers); for a
    tip-off left to the district safety office (``DISTRICT_OFFICE_CODE``: its reporter did not know the township)
    the office's staff, who forward it."""
    roles = (Role.OFFICE.value,) if township_code == DISTRICT_OFFICE_CODE else QUEUE_ROLES
    rows = await session.exec(
        select(Membership.user_id)
        .join(Unit, col(Unit.id) == Membership.unit_id)
        .where(Unit.code == township_code, col(Membership.role).in_(roles))
        .distinct()
    )
    return sorted(set(rows.all()))


def verifier_notice(tipoff: TipOff, kind: str, user_id: int, *, via: str | None = None) -> Notice:
    """``kind`` (``tipoff_new``, ``tipoff_added``, ``tipoff_not_fixed``, ``tipoff_returned``) for one verifier,
    with the button that opens the tip-off. ``via``: the number of the tip-off merged into ``tipoff`` whose
    reporter spoke (``tipoff_not_fixed``), so the notice names who said it."""
    words = text(notice_texts.tipoff_for_verifiers, kind, tipoff.number, tipoff.township, via)
    button = (text(notice_texts.open_tipoff), open_tipoff_callback(tipoff.id or 0))
    return Notice(user_id, kind, words, about=tipoff.number, button=button)


async def township_notices(session: AsyncSession, tipoff: TipOff, kind: str, *, via: str | None = None) -> list[Notice]:
    """``verifier_notice`` ``kind`` to each of the township's queue holders."""
    return [verifier_notice(tipoff, kind, uid, via=via) for uid in await township_staff(session, tipoff.township_code)]


#: the text of the ``TipOffAddition`` that records a reporter's 仍未整改: no addition the form saves has it (an
#: empty note is stored as None and an addition needs a note or a photo), and the card shows no empty text
NOT_FIXED_MARK = ""


def record_not_fixed(session: AsyncSession, tipoff: TipOff, at: datetime) -> None:
    """Record that the reporter of ``tipoff`` said 仍未整改 at ``at`` (aware; an addition with text
    ``NOT_FIXED_MARK``), for the verifier's card and the case's other reporters (``last_not_fixed``)."""
    session.add(TipOffAddition(tipoff_id=tipoff.id or 0, text=NOT_FIXED_MARK, created_at=at))


async def last_not_fixed(session: AsyncSession, tipoffs: list[TipOff]) -> tuple[str, datetime] | None:
    """The latest 仍未整改 said by the reporter of one of ``tipoffs``: (that tip-off's number, when, UTC); None
    when none of them said it."""
    numbers = {t.id: t.number for t in tipoffs}
    row = (await session.exec(
        select(TipOffAddition.tipoff_id, TipOffAddition.created_at)
        .where(col(TipOffAddition.tipoff_id).in_(list(numbers) or [-1]), TipOffAddition.text == NOT_FIXED_MARK)
        .order_by(col(TipOffAddition.created_at).desc(), col(TipOffAddition.id).desc()).limit(1)
    )).first()
    return None if row is None else (numbers[row[0]], row[1])


async def case_members(session: AsyncSession, root: TipOff) -> list[TipOff]:
    """Every tip-off of the case ``root`` stands for (``TipOffService._root``): ``root`` and those that follow it;
    for a root merged into a hazard no tip-off became, every tip-off merged into that hazard and their followers.
    Oldest first."""
    heads = [root]
    if root.status == TipOffStatus.MERGED and root.hazard_id is not None and root.merged_into_id is None:
        heads = await merged_into_hazard(session, root.hazard_id) or [root]
    members = {t.id: t for t in heads}
    for head in heads:
        members.update((t.id, t) for t in await followers(session, head))
    return sorted(members.values(), key=lambda t: t.id or 0)


def reopened_notice(tipoff: TipOff) -> Notice:
    """The reporter of ``tipoff`` learns that another reporter of the same hazard said it is not fixed and the
    township verifies it again (never who, nor that one's number)."""
    words = text(notice_texts.tipoff_reopened_by_other, tipoff.number)
    return Notice(tipoff.reporter_user_id, "tipoff_status", words, about=tipoff.number)


async def check_may_report(session: AsyncSession, user_id: int, today: date, limit: int) -> None:
    """Raises ``Rejected('tipoff_blocked')`` for a blocked sender, ``Rejected('tipoff_daily_limit')``
    when ``user_id`` already submitted ``limit`` tip-offs on ``today`` (Asia/Shanghai)."""
    if await session.get(TipOffBlock, user_id) is not None:
        raise Rejected("tipoff_blocked")
    counted = await session.get(TipOffDailyCount, (user_id, today))
    if counted is not None and counted.count >= limit:
        raise Rejected("tipoff_daily_limit", limit=limit)


async def _count_one(session: AsyncSession, user_id: int, today: date) -> None:
    insert = dialect_insert(session)
    table = TipOffDailyCount.__table__  # type: ignore[attr-defined]
    stmt = insert(table).values(user_id=user_id, day=today, count=1)
    stmt = stmt.on_conflict_do_update(index_elements=["user_id", "day"], set_={"count": table.c.count + 1})
    await session.exec(stmt)


async def _link_photos(session: AsyncSession, draft: Draft, tipoff_id: int, photo_ids: list[int],
                       addition_id: int | None = None) -> int:
    rows = (await session.exec(select(Photo).where(col(Photo.id).in_(photo_ids or [-1]), Photo.draft_id == draft.id))).all()
    for photo in rows:
        assert photo.id is not None
        session.add(TipOffPhoto(tipoff_id=tipoff_id, photo_id=photo.id, addition_id=addition_id))
    return len(rows)


def _verifying_unit(township: str, address: str | None) -> UnitEntry:
    """Who verifies a new tip-off: the township answered (or, for none, the one its address names); the district
    safety office for 不清楚 (``UNKNOWN_TOWNSHIP``), to forward it. Raises ``Rejected('not_a_choice')``."""
    unit = by_code(DISTRICT_OFFICE_CODE) if township == UNKNOWN_TOWNSHIP else \
        find_township(township) or guess_township(address)
    if unit is None:
        raise Rejected("not_a_choice")
    return unit


async def create_tipoff(
    session: AsyncSession, draft: Draft, data: dict[str, Any], *, settings: Settings, now: datetime
) -> tuple[Submitted, list[Notice]]:
    """A ``TipOff`` (status received) from the answers of the report form, and the notice to the
    township's inspectors (to the district safety office's staff for a township answered 不清楚). Checks the sender is not blocked and under the daily limit before writing.

    Raises ``Rejected`` (``tipoff_blocked``, ``tipoff_daily_limit``, ``too_short``) with nothing written.
    """
    today = now.astimezone(settings.tz).date()
    await check_may_report(session, draft.user_id, today, settings.tipoff_daily_limit)
    description = str(data["description"]).strip()
    if counted_length(description) < settings.tipoff_min_description:  # as the form's question counts it
        raise Rejected("too_short", min=settings.tipoff_min_description)
    place = data.get("place") or {}
    unit = _verifying_unit(str(data.get("township") or ""), place.get("address"))
    seq = await next_in_sequence(session, f"tipoff:{today:%Y%m%d}")
    contact = (data.get("contact") or "").strip() or None
    tipoff = TipOff(
        number=format_tipoff_number(f"{today:%Y%m%d}", seq),
        reporter_user_id=draft.user_id,
        reporter_channel=await _channel_of(session, draft.user_id),
        reporter_locale=str(draft.context.get("locale") or "zh"),
        contact=contact,
        description=description,
        township_code=unit.code,
        township=unit.name,
        **place_columns(place),
        status=TipOffStatus.RECEIVED.value,
        draft_id=draft.id,
        created_at=now,
        updated_at=now,
    )
    session.add(tipoff)
    await session.flush()
    assert tipoff.id is not None
    photos = await _link_photos(session, draft, tipoff.id, list(data.get("photos") or []))
    await _count_one(session, draft.user_id, today)
    notices = await township_notices(session, tipoff, "tipoff_new")
    # the receipt says who verifies: the township, or the office that will forward it (``detail``)
    routed = TO_DISTRICT_OFFICE if unit.code == DISTRICT_OFFICE_CODE else None
    return Submitted("tipoff", tipoff.id, tipoff.number, tipoff.status, photos, detail=routed), notices


async def add_to_tipoff(session: AsyncSession, draft: Draft, data: dict[str, Any]) -> tuple[Submitted, list[Notice]]:
    """The reporter's addition (text and/or photos) to their own open tip-off ``draft.context['tipoff_id']``.

    Raises ``Rejected('tipoff_closed')`` when the tip-off is no longer open, ``Rejected('required')``
    when the addition is empty.
    """
    tipoff = await lock_tipoff(session, int(draft.context["tipoff_id"]))
    if tipoff is None or tipoff.reporter_user_id != draft.user_id or tipoff.status not in OPEN:
        raise Rejected("tipoff_closed")
    text = (data.get("note") or "").strip() or None
    photo_ids = list(data.get("photos") or [])
    if text is None and not photo_ids:
        raise Rejected("required")
    addition = TipOffAddition(tipoff_id=tipoff.id or 0, text=text)
    session.add(addition)
    await session.flush()
    photos = await _link_photos(session, draft, tipoff.id or 0, photo_ids, addition.id)
    tipoff.updated_at = utcnow()
    session.add(tipoff)
    return (
        Submitted("tipoff_addition", tipoff.id or 0, tipoff.number, tipoff.status, photos),
        await township_notices(session, tipoff, "tipoff_added"),
    )


async def copy_photos_to_draft(session: AsyncSession, tipoff_id: int, draft: Draft, user_id: int) -> list[Photo]:
    """New ``Photo`` rows (stage tipoff, the EXIF-free bytes) owned by the verifier's hazard ``draft``."""
    rows = (
        await session.exec(
            select(Photo).join(TipOffPhoto, col(TipOffPhoto.photo_id) == Photo.id)
            .where(TipOffPhoto.tipoff_id == tipoff_id).order_by(col(Photo.id))
        )
    ).all()
    copies = []
    for original in rows:
        copy = photo_row(original, None, stage=PhotoStage.TIPOFF.value, draft_id=draft.id, user_id=user_id)
        session.add(copy)
        await session.flush()
        copies.append(copy)
    return copies


async def lock_tipoff(session: AsyncSession, tipoff_id: int) -> TipOff | None:
    """Tip-off ``tipoff_id`` as it stands now, locked until the caller's unit of work ends (None if unknown), for
    a use case that decides on its state (不属实, forward, merge, opening a new card, 仍未整改, an addition).

    Locked by an UPDATE that changes nothing, before the read: on PostgreSQL it holds the row like ``SELECT … FOR
    UPDATE``; on SQLite, which ignores FOR UPDATE, it takes the writer turn (``storage.sqlite_writers``) and begins
    the transaction, so a second caller waits until the first committed and then reads its change. Without it
    two verifiers pressing at once both read the old state and both acted (two notices, the last reason wins)."""
    table = TipOff.__table__  # type: ignore[attr-defined]
    await session.exec(update(table).where(table.c.id == tipoff_id).values(updated_at=table.c.updated_at))
    query = select(TipOff).where(TipOff.id == tipoff_id).execution_options(populate_existing=True)
    return (await session.exec(query)).first()


async def claim_for_hazard(session: AsyncSession, tipoff_id: int) -> None:
    """Before a hazard is created from tip-off ``tipoff_id``: it must still await verification, checked by a
    conditional UPDATE so that two verifiers submitting at once make one hazard on both databases (the row
    locked on PostgreSQL; on SQLite a SELECT … FOR UPDATE locked nothing and ran before the transaction's first
    write, so both saw it waiting). Raises ``Rejected('tipoff_already_verified')`` otherwise, nothing written."""
    table = TipOff.__table__  # type: ignore[attr-defined]
    claimed = await session.exec(
        update(table)
        .where(table.c.id == tipoff_id, table.c.status.in_([s.value for s in AWAITING_VERIFICATION]))
        .values(updated_at=utcnow())
    )
    if claimed.rowcount != 1:
        raise Rejected("tipoff_already_verified")


async def hazard_created(session: AsyncSession, tipoff_id: int, hazard: Hazard, verifier_id: int) -> list[Notice]:
    """查实: the tip-off became ``hazard`` (source 举报); status registered; notices to its reporters."""
    tipoff = await session.get(TipOff, tipoff_id)
    if tipoff is None:
        return []
    # verified again (仍未整改, or its hazard rejected): those merged into its old hazard follow the new one
    following = await followers(session, tipoff)
    for other in following:
        if other.merged_into_id is None:
            other.hazard_id = hazard.id
            session.add(other)
    tipoff.hazard_id = hazard.id
    tipoff.verified_by = verifier_id
    tipoff.status = TipOffStatus.REGISTERED.value
    tipoff.reason = None
    tipoff.updated_at = utcnow()
    session.add(tipoff)
    return [status_notice(t, tipoff.status) for t in [tipoff, *following]]


#: the statuses a hazard's state decides (``status_for_hazard``); a tip-off in another is left alone
_MIRRORED = frozenset({TipOffStatus.VERIFYING, TipOffStatus.REGISTERED, TipOffStatus.RECTIFYING, TipOffStatus.FIXED})


async def on_hazard_state_changed(session: AsyncSession, hazard_id: int, new_state: str) -> list[Notice]:
    """Mirror hazard ``hazard_id`` entering ``new_state`` on the tip-offs it came from (and those merged
    into it): registered → rectifying, closed → fixed, rejected → back to verifying (still linked: a
    resubmission of the same hazard brings it back to registered). Returns the notices
    for their reporters and verifiers, for the caller to queue in the same unit of work
    (``bot.services.notices.queue_notices``). Call it after every hazard transition, in the same unit of
    work; states that change nothing for the reporter return ``[]``.

    The reporters of the tip-offs merged into the hazard read the status of the tip-off it came from
    (``origin_of``) and are told with it, when it changes; only when no tip-off became the hazard are they told
    its state directly.
    """
    status = status_for_hazard(new_state)
    if status is None:
        return []
    linked = (await session.exec(select(TipOff).where(TipOff.hazard_id == hazard_id).order_by(col(TipOff.id)))).all()
    has_origin = any(t.status != TipOffStatus.MERGED for t in linked)
    notices: list[Notice] = []
    for tipoff in linked:
        if tipoff.status == TipOffStatus.MERGED:
            # merged into another tip-off it follows that one; with an origin it hears with the origin's reporter
            if tipoff.merged_into_id is None and not has_origin and status != TipOffStatus.VERIFYING:
                notices.append(status_notice(tipoff, status.value))
            continue
        if tipoff.status == status or tipoff.status not in _MIRRORED:
            continue  # e.g. found 不属实 by the township after a rejection: the hazard no longer speaks for it
        tipoff.status = status.value
        # A rejected hazard keeps its tip-off (hazard_id stays): the inspector may correct and resubmit it
        # (issue 15 item 2, «修改后重新提交»), and the reporter must then hear of its registration and closure.
        # A new 查实 by the township moves the link to the new hazard.
        tipoff.updated_at = utcnow()
        session.add(tipoff)
        if status == TipOffStatus.VERIFYING:
            notices += await township_notices(session, tipoff, "tipoff_returned")
        else:
            notices += await status_notices(session, tipoff)
    return notices


async def _channel_of(session: AsyncSession, user_id: int) -> str:
    """The channel ``user_id`` is reached on: a tip-off is taken in the reporter's private chat there."""
    user = await session.get(User, user_id)
    assert user is not None  # the draft's owner
    return user.channel
