"""Who is acting: the user record and their roles, loaded once per update."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from sqlalchemy import delete
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels import ChannelAddress
from bot.domain import Role, is_district_unit, role_fits_unit
from bot.services.actor_cache import ActorCache
from bot.services.errors import NotBound, PermissionDenied
from storage.db import UowFactory
from storage.models import Membership, Unit, User
from storage.models_reminders import BlockedRecipient
from storage.types import utcnow
from storage.upsert import dialect_insert

log = logging.getLogger("hazardbot.actors")


@dataclass(frozen=True)
class Grant:
    """One role held for one unit."""

    role: Role
    unit_id: int
    unit_code: str
    unit_name: str
    unit_is_township: bool
    unit_kind: str = ""  # the unit's registry kind (街道, 区级部门, 功能区管委会…): its scope, ``hazard_query``

    @property
    def at_district_unit(self) -> bool:
        """Held at a district-level unit (``bot.domain.is_district_unit``: 区安委会办公室, 区应急局, 区政府…)."""
        return is_district_unit(self.unit_code, self.unit_kind)


@dataclass(frozen=True)
class Actor:
    """The person behind an update: internal ``user_id``, where they are reached (``address``), roles
    (``grants``), their Telegram display name (``full_name``) and the name the contact form (附件4) registers
    them under once bound to its entry (``registered_name``).

    ``is_admin`` is true for the addresses listed in settings and for holders of the admin role.
    """

    user_id: int
    address: ChannelAddress
    full_name: str
    grants: tuple[Grant, ...] = field(default=())
    is_admin: bool = False
    registered_name: str | None = None

    @property
    def record_name(self) -> str:
        """The name put on records, the event log and printed papers (``User.record_name``): the registered
        name, else the Telegram name."""
        return self.registered_name or self.full_name

    @property
    def is_bound(self) -> bool:
        """True when the user holds at least one role grant or is an admin (may use more than the public
        menus)."""
        return bool(self.grants) or self.is_admin

    def has(self, role: Role, unit_id: int | None = None) -> bool:
        """True when the user holds ``role``, in unit ``unit_id`` when given (any unit when None)."""
        return any(g.role == role and (unit_id is None or g.unit_id == unit_id) for g in self.grants)

    def require(self, allowed: bool, **params: object) -> None:
        """Raises ``NotBound`` when the person has no role yet, else ``PermissionDenied`` (with ``params``)
        unless ``allowed``: the caller's rule, judged on this actor."""
        if not self.is_bound:
            raise NotBound()
        if not allowed:
            raise PermissionDenied(**params)

    def grant_for(self, *roles: Role) -> Grant | None:
        """The most recently obtained grant among ``roles`` (the user's working unit)."""
        for grant in reversed(self.grants):
            if grant.role in roles:
                return grant
        return None


class UserService:
    """Creates or refreshes the user behind each update and returns their ``Actor``."""

    def __init__(self, uow: UowFactory, admins: Iterable[ChannelAddress],
                 cache: ActorCache[Actor] | None = None) -> None:
        self._uow = uow
        self._admins = frozenset(admins)
        self._cache: ActorCache[Actor] = cache or ActorCache(ttl=0)

    async def touch(self, address: ChannelAddress, full_name: str, language: str | None) -> Actor:
        """Upsert the user reached at ``address`` and load their grants (one transaction), or the cached actor when the user was
        loaded less than ``actor_cache_seconds`` ago with the same name and language (``ActorCache``). Someone
        marked as having blocked the bot (a 403 to a reminder or notice) who writes to it again is no longer."""
        name = full_name.replace("\x00", " ")[:256]  # PostgreSQL stores no NUL; a custom client can send one
        await self._cache.refresh()
        cached = self._cache.get(address, name, language)
        if cached is not None:
            return cached
        generation = self._cache.generation
        async with self._uow() as uow:
            found = (await uow.session.exec(
                select(User, BlockedRecipient.user_id)
                .join(BlockedRecipient, BlockedRecipient.user_id == User.id, isouter=True)  # type: ignore[arg-type]
                .where(User.channel == address.channel, User.address == address.address)
            )).first()
            user, blocked = found if found is not None else (None, None)
            if blocked is not None:  # writing to the bot again: they no longer block it, reminders and notices resume
                await uow.session.exec(delete(BlockedRecipient).where(BlockedRecipient.user_id == blocked))  # type: ignore[arg-type]
            if user is None:
                # two first updates of a new user at once (a double tap, an album): one insert wins
                await uow.session.exec(
                    dialect_insert(uow.session)(User.__table__)  # type: ignore[attr-defined]
                    .values(channel=address.channel, address=address.address, full_name=name, language=language,
                            created_at=utcnow())
                    .on_conflict_do_nothing(index_elements=["channel", "address"])
                )
                user = (await uow.session.exec(select(User).where(
                    User.channel == address.channel, User.address == address.address))).one()
            elif user.full_name != name or user.language != language:
                user.full_name = name
                user.language = language
                uow.session.add(user)
            actor = await load_actor(uow.session, user, self._admins)
            await uow.commit()
        self._cache.put(actor, name, language, generation)
        return actor


async def _grants(session: AsyncSession, user_id: int) -> tuple[Grant, ...]:
    """The roles ``user_id`` holds, ordered by when they were granted.

    An office role held outside 区安委会办公室 (given before ``role_fits_unit`` was enforced) counts for
    nothing: it would act for the whole district in a township's name."""
    rows = (
        await session.exec(
            select(Membership, Unit)
            .join(Unit, Unit.id == Membership.unit_id)  # type: ignore[arg-type]
            .where(Membership.user_id == user_id)
            .order_by(Membership.id)  # type: ignore[arg-type]
        )
    ).all()
    grants = tuple(
        Grant(Role(m.role), u.id, u.code, u.name, u.is_township, u.kind) for m, u in rows
        if u.id is not None and role_fits_unit(Role(m.role), u.code)
    )
    if len(grants) < len(rows):
        log.warning("user %s holds an office role outside 区安委会办公室; ignored (/users, /unsetrole)", user_id)
    return grants


async def load_actor(session: AsyncSession, user: User, admins: frozenset[ChannelAddress]) -> Actor:
    """Build the ``Actor`` of ``user`` from its memberships (``_grants``); ``admins`` are the addresses
    listed as admins in the settings."""
    assert user.id is not None
    grants = await _grants(session, user.id)
    address = address_of(user)
    is_admin = address in admins or any(g.role == Role.ADMIN for g in grants)
    return Actor(user.id, address, user.full_name, grants, is_admin, user.registered_name)


def address_of(user: User) -> ChannelAddress:
    """Where ``user`` is reached."""
    return ChannelAddress(user.channel, user.address)


async def current_actor(session: AsyncSession, actor: Actor) -> Actor:
    """``actor`` as they are now: their roles read again in ``session``'s transaction.

    The actor an update carries was loaded when the update arrived, possibly from the cache (up to
    ``actor_cache_seconds`` old when a role was changed elsewhere: another instance without Redis, the
    command line), and a form or a question spanning several messages was opened long before. Every service
    call that acts in a unit's name checks the roles this returns, in the unit of work that acts. Admins
    listed in the settings stay admins; an admin role taken away is gone."""
    grants = await _grants(session, actor.user_id)
    listed = actor.is_admin and not any(g.role == Role.ADMIN for g in actor.grants)
    return replace(actor, grants=grants, is_admin=listed or any(g.role == Role.ADMIN for g in grants))


async def reload_actor(uow: UowFactory, actor: Actor) -> Actor:
    """``current_actor`` in a unit of work of its own, for a service that checks roles before it opens one."""
    async with uow() as u:
        return await current_actor(u.session, actor)
