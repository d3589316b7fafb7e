"""Administration (design.md "Roles"): issue (through ``InviteService``) and revoke invite codes for any role
and unit, list pending codes and users with their roles, grant, remove or change a user's role.

Admins may do everything; the district office (区安委会办公室) too, except handing out or taking away the
admin and office roles.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import col, select

from bot.channels import ChannelAddress
from bot.domain import MAX_RECORD_ID, Role, role_fits_unit
from bot.services.actors import Actor, address_of, reload_actor
from bot.services.errors import (
    NameInvalid,
    NotBound,
    NotFound,
    PermissionDenied,
    RoleNotForUnit,
    UnitThenName,
)
from bot.services.invites import InviteService, IssuedInvite
from bot.services.lifecycle_errors import InvalidValue
from bot.services.unit_lookup import find_unit
from storage.db import UowFactory
from storage.models import InviteCode, Membership, Unit, User
from storage.registry import match_unit
from storage.types import utcnow

# the invited person's registered name, last on the line (it may hold spaces): 姓名:张三, name:John Smith,
# or --name as on the command line (a phone may have turned its dashes into a dash sign)
# (the Chinese 姓名:/名字: also straight after the unit, as typed without a space: 建外街道姓名:张三)
_NAME = re.compile(r"(?:(?:^|\s)(?:(?:--|[—–])name\s+|name\s*[:：]\s*)|(?:姓名|名字)\s*[:：]\s*)(.*)$",
                   re.IGNORECASE | re.DOTALL)
# the marker alone at the end (建外 姓名, 建外 --name): a name left out, not a unit's words
_BARE_NAME = re.compile(r"\s(?:(?:--|[—–])name|name|姓名|名字)\s*[:：]?\s*$", re.IGNORECASE)


def split_invited_name(args: str) -> tuple[str, str | None]:
    """``/invite``'s words ``ROLE UNIT [姓名:NAME]`` as (``ROLE UNIT``, NAME or None): the name is last on the
    line and may hold spaces. Raises ``NameInvalid`` (``empty``: the marker with nothing after it; ``twice``:
    ``姓名:张三 姓名:李四``, which would register "张三 姓名:李四")."""
    named = _NAME.search(args)
    if named is None:
        if _BARE_NAME.search(args) is not None:
            raise NameInvalid(reason="empty")
        return args, None
    name = named.group(1)
    if _NAME.search(name) is not None:
        raise NameInvalid(reason="twice")
    return args[:named.start()], name


_ADMIN_ONLY = frozenset({Role.ADMIN, Role.OFFICE})
_GRANTABLE = tuple(r for r in Role if r != Role.PUBLIC)


@dataclass(frozen=True)
class UserRoles:
    """A user, where they are reached (``address``), the (role, unit name) pairs they hold, and the name printed
    on their records and papers when it is not their Telegram name (``registered_name``: 附件4 or a named
    invite)."""

    user_id: int
    address: ChannelAddress
    full_name: str
    roles: tuple[tuple[Role, str], ...]
    registered_name: str | None = None


@dataclass(frozen=True)
class PendingInvite:
    """An invitation not yet used: its code, the role and unit it grants, when it expires (aware UTC), and the
    name it will register (``InviteCode.registered_name``; None: the person's Telegram name)."""

    code: str
    role: Role
    unit_name: str
    expires_at: datetime
    registered_name: str | None = None


class AdminService:
    """Invite codes and roles. Every method checks the actor (``PermissionDenied``, ``NotBound``); those that change
    codes or roles check them as they are now (``reload_actor``)."""

    def __init__(self, uow: UowFactory, invites: InviteService) -> None:
        self._uow = uow
        self._invites = invites

    def _require(self, actor: Actor, role: Role | None = None) -> None:
        if not actor.is_bound:
            raise NotBound()
        if not (actor.is_admin or actor.has(Role.OFFICE)):
            raise PermissionDenied(action="admin")
        if role in _ADMIN_ONLY and not actor.is_admin:
            raise PermissionDenied(action="grant", role=role.value if role else "")

    async def issue(self, actor: Actor, role: Role, unit: str, name: str | None = None) -> IssuedInvite:
        """A new invite code for ``role`` at ``unit`` (as ``match_unit`` reads it: code, name, short or former
        name), giving the person ``name`` as their registered name when given (``invites.invited_name``).
        Raises ``InvalidValue`` for the public role,
        ``UnknownUnit``, ``UnitThenName`` (``建外 张三``: a unit, then a name without its ``姓名:``),
        ``PermissionDenied``, ``NameInvalid``."""
        if role not in _GRANTABLE:
            raise InvalidValue(field="role", value=role.value)
        self._require(await reload_actor(self._uow, actor), role)  # as they are now: a role may be gone since
        words = unit.split(maxsplit=1)
        if len(words) == 2 and match_unit(unit) is None and match_unit(words[0]) is not None:
            raise UnitThenName(unit=words[0], name=words[1].strip(), role=role.value)
        return await self._invites.issue(role, unit, actor, name)

    async def revoke_invite(self, actor: Actor, code: str) -> PendingInvite:
        """Revoke an unused code. Raises ``NotFound`` (unknown, used or already revoked), ``PermissionDenied``."""
        actor = await reload_actor(self._uow, actor)
        self._require(actor)
        code = code.strip().upper()
        async with self._uow() as u:
            row = (
                await u.session.exec(
                    select(InviteCode, Unit.name).join(Unit, col(Unit.id) == col(InviteCode.unit_id))
                    .where(InviteCode.code == code)
                )
            ).first()
            if row is None:
                raise NotFound(what="invite", code=code)
            invite, unit_name = row
            self._require(actor, Role(invite.role))
            done = await u.session.exec(
                update(InviteCode)
                .where(col(InviteCode.id) == invite.id, col(InviteCode.used_by).is_(None),
                       col(InviteCode.revoked_at).is_(None))
                .values(revoked_at=utcnow())
            )
            if done.rowcount != 1:
                raise NotFound(what="invite", code=code)
            await u.commit()
            return PendingInvite(invite.code, Role(invite.role), unit_name, invite.expires_at, invite.registered_name)

    async def pending_invites(self, actor: Actor) -> list[PendingInvite]:
        """Codes neither used, revoked nor expired, newest first."""
        self._require(actor)
        async with self._uow() as u:
            rows = (
                await u.session.exec(
                    select(InviteCode, Unit.name).join(Unit, col(Unit.id) == col(InviteCode.unit_id))
                    .where(col(InviteCode.used_by).is_(None), col(InviteCode.revoked_at).is_(None),
                           col(InviteCode.expires_at) > utcnow())
                    .order_by(col(InviteCode.id).desc())
                )
            ).all()
            return [PendingInvite(i.code, Role(i.role), name, i.expires_at, i.registered_name) for i, name in rows]

    async def users(self, actor: Actor, unit: str | None = None) -> list[UserRoles]:
        """Users holding a role (at ``unit`` if given: ``unit_lookup.find_unit``), ordered by name. Raises ``UnknownUnit``."""
        self._require(actor)
        async with self._uow() as u:
            query = (
                select(User, Membership.role, Unit.name)
                .join(Membership, col(Membership.user_id) == col(User.id))
                .join(Unit, col(Unit.id) == col(Membership.unit_id))
                .order_by(col(User.full_name), col(User.id), col(Membership.id))
            )
            if unit is not None:
                found = await find_unit(u.session, unit)
                query = query.where(col(Unit.id) == found.id)
            grouped: dict[int, tuple[User, list[tuple[Role, str]]]] = {}
            for user, role, unit_name in (await u.session.exec(query)).all():
                grouped.setdefault(user.id, (user, []))[1].append((Role(role), unit_name))  # type: ignore[arg-type]
            return [UserRoles(us.id, address_of(us), us.full_name, tuple(r),  # type: ignore[arg-type]
                              us.registered_name if us.registered_name != us.full_name else None)
                    for us, r in grouped.values()]

    async def set_role(
        self, actor: Actor, user_id: int, unit: str, role: Role, replace: Sequence[Role] = ()
    ) -> UserRoles:
        """Give ``user_id`` the ``role`` at ``unit``, removing the roles in ``replace`` there (to change a role:
        ``replace=[old]``). Raises ``NotFound`` (user), ``UnknownUnit``, ``InvalidValue``, ``PermissionDenied``,
        ``RoleNotForUnit`` (the office role outside 区安委会办公室)."""
        if role not in _GRANTABLE:
            raise InvalidValue(field="role", value=role.value)
        actor = await reload_actor(self._uow, actor)
        for r in (role, *replace):
            self._require(actor, r)
        _require_id(user_id)
        unit = unit.strip()
        async with self._uow() as u:
            user = await u.session.get(User, user_id)
            if user is None:
                raise NotFound(what="user", id=user_id)
            found = await find_unit(u.session, unit)
            if not role_fits_unit(role, found.code):
                raise RoleNotForUnit(unit=found.name)
            if replace:
                await u.session.exec(
                    delete(Membership).where(
                        col(Membership.user_id) == user_id, col(Membership.unit_id) == found.id,
                        col(Membership.role).in_([r.value for r in replace if r != role]),
                    )
                )
            held = (
                await u.session.exec(
                    select(Membership).where(Membership.user_id == user_id, Membership.unit_id == found.id,
                                             Membership.role == role.value)
                )
            ).first()
            if held is None:
                u.session.add(Membership(user_id=user_id, unit_id=found.id, role=role.value))  # type: ignore[arg-type]
            await u.commit()
        return await self._one(actor, user_id)

    async def remove_role(self, actor: Actor, user_id: int, unit: str, role: Role) -> UserRoles:
        """Take ``role`` at ``unit`` away from ``user_id``. Raises ``NotFound`` when they do not hold it."""
        actor = await reload_actor(self._uow, actor)
        self._require(actor, role)
        _require_id(user_id)
        async with self._uow() as u:
            found = await find_unit(u.session, unit)
            gone = await u.session.exec(
                delete(Membership).where(col(Membership.user_id) == user_id, col(Membership.unit_id) == found.id,
                                         col(Membership.role) == role.value)
            )
            if gone.rowcount != 1:
                raise NotFound(what="membership", id=user_id)
            await u.commit()
        return await self._one(actor, user_id)

    async def _one(self, actor: Actor, user_id: int) -> UserRoles:
        for entry in await self.users(actor):
            if entry.user_id == user_id:
                return entry
        async with self._uow() as u:
            user = await u.session.get(User, user_id)
            if user is None:
                raise NotFound(what="user", id=user_id)
            return UserRoles(user_id, address_of(user), user.full_name, (),
                             user.registered_name if user.registered_name != user.full_name else None)


def _require_id(user_id: int) -> None:
    """Raises ``NotFound`` for an id no user can have (beyond ``MAX_RECORD_ID``: the database would raise)."""
    if not 0 < user_id <= MAX_RECORD_ID:
        raise NotFound(what="user", id=user_id)

