"""What the issue-15 steps share: the callback data of the buttons their notices carry (framework-free strings
in the format of ``handlers.hazard_callbacks`` — ``tests/test_deadlines.py`` checks they unpack there), their
``Outcome``, and who on a hazard hears of a step."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import HazardState, Role
from bot.services.actors import Actor
from bot.services.lifecycle import Action
from bot.services.transitions import Outcome, Transitions
from storage.models import Hazard, HazardEvent


def supervise_data(hazard_id: int) -> str:
    """``HazardCb(id=hazard_id, a="sv")``: start the supervision form."""
    return f"h1:{hazard_id}:sv"


def decide_extension_data(extension_id: int) -> str:
    """``ExtensionCb(a="o", id=extension_id)``: show the request with approve / refuse."""
    return f"e1:o:{extension_id}"


def number_of(hazard: Hazard) -> str:
    """The number a user knows the hazard by: its ledger number, else its draft number."""
    return hazard.ledger_number or hazard.draft_number


def outcome(hazard: Hazard, event: HazardEvent, notify: tuple[int, ...] = (), record_id: int | None = None) -> Outcome:
    """The ``Outcome`` of ``event`` on ``hazard`` (both flushed: ids set), with the users to notify and the id
    of the record the action wrote."""
    assert hazard.id is not None and event.id is not None and event.from_state is not None
    assert event.to_state is not None
    return Outcome(
        hazard_id=hazard.id, action=Action(event.action), from_state=HazardState(event.from_state),
        to_state=HazardState(event.to_state), event_id=event.id, ledger_number=hazard.ledger_number,
        notify=notify, record_id=record_id, draft_number=hazard.draft_number, site_name=hazard.site_name,
        note=event.note,
    )


async def people_on(t: Transitions, hazard: Hazard, exclude: Actor | None = None) -> tuple[int, ...]:
    """The unit's reviewers, the inspector who submitted the hazard and the reviewer who approved it."""
    approvers = (await t.session.exec(
        select(HazardEvent.actor_id).where(HazardEvent.hazard_id == hazard.id,
                                           col(HazardEvent.action) == Action.APPROVE.value)
    )).all()
    reviewers = await t.unit_people(hazard.unit_id, [Role.REVIEWER], exclude=exclude)
    return t.users([*reviewers, hazard.created_by, *approvers], exclude=exclude)


async def hazard_for_context(session: AsyncSession, hazard_id: object) -> Hazard | None:
    """The hazard whose id a draft's context holds (int or digit string), None when absent or malformed."""
    return await session.get(Hazard, int(hazard_id)) if isinstance(hazard_id, int | str) else None
