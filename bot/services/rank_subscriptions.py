"""Who receives the weekly ranking of units (通报, 方案 五(三)): leaders of any unit, the district safety
office and admins subscribe and unsubscribe themselves. The sending is a reminders rule
(``reminders.rules.weekly_ranking``) through the outbox."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import delete, select

from bot.clock import Clock
from bot.domain import Role
from bot.services.actors import Actor
from bot.services.errors import NotBound
from storage.db import UowFactory
from storage.models_ranking import RankSubscription


class RankSubscriptionService:
    """Subscribing to the weekly ranking and unsubscribing, each person for themselves."""

    def __init__(self, uow: UowFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def subscribe(self, actor: Actor) -> bool:
        """Subscribe ``actor``; False when already subscribed. Raises ``NotBound``, ``PermissionDenied``
        (neither leader, office nor admin)."""
        actor.require(actor.is_admin or actor.has(Role.LEADER) or actor.has(Role.OFFICE))
        user_id = actor.user_id
        async with self._uow() as u:
            if await u.session.get(RankSubscription, user_id) is not None:
                return False
            u.session.add(RankSubscription(user_id=user_id, subscribed_at=self._clock()))
            try:
                await u.commit()
            except IntegrityError:  # a double tap committed first
                return False
        return True

    async def unsubscribe(self, actor: Actor) -> bool:
        """Unsubscribe ``actor``; False when they were not subscribed. Raises ``NotBound``."""
        if not actor.is_bound:
            raise NotBound()
        async with self._uow() as u:
            found = await u.session.get(RankSubscription, actor.user_id) is not None
            await u.session.exec(delete(RankSubscription).where(RankSubscription.user_id == actor.user_id))  # type: ignore[arg-type]
            await u.commit()
        return found

    async def subscribed(self, actor: Actor) -> bool:
        """True when ``actor`` receives the weekly ranking."""
        async with self._uow() as u:
            return (await u.session.exec(
                select(RankSubscription.user_id).where(RankSubscription.user_id == actor.user_id)
            )).first() is not None
