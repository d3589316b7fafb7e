"""Invite codes: issued by an admin or the office for a role and unit, optionally naming the person invited (their
registered name, put on records and papers instead of the Telegram name); single-use; expire."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import Role, role_fits_unit
from bot.services.actors import Actor, Grant
from bot.services.contacts_import import NAME_LIMIT, clean_name, name_fault
from bot.services.errors import InviteInvalid, NameInvalid, PermissionDenied, RoleNotForUnit
from bot.services.unit_lookup import find_unit
from storage.db import UowFactory
from storage.models import InviteCode, Membership, Unit, User
from storage.models_reminders import Contact
from storage.types import utcnow

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on phones


@dataclass(frozen=True)
class IssuedInvite:
    """A newly created invitation: the code to hand over, the role and unit it grants, its expiry (aware UTC) and
    the registered name it gives the person (``None``: they keep their Telegram name)."""

    code: str
    role: Role
    unit_name: str
    expires_at: datetime
    registered_name: str | None = None


def invited_name(name: str | None) -> str | None:
    """``name`` as an invite keeps it (``contacts_import.clean_name``), ``None`` for none. Raises ``NameInvalid``
    (``reason`` empty, too_long, hidden: ``contacts_import.name_fault``, as the contact form's import checks)."""
    if name is None:
        return None
    cleaned = clean_name(name)
    fault = name_fault(cleaned)
    if fault is not None:
        raise NameInvalid(reason=fault, limit=NAME_LIMIT)
    return cleaned


class InviteService:
    """Issue, revoke and redeem invite codes (design.md "Roles")."""

    def __init__(self, uow: UowFactory, ttl_days: int = 7) -> None:
        self._uow = uow
        self._ttl = timedelta(days=ttl_days)

    async def issue(self, role: Role, unit: str, issuer: Actor | None, name: str | None = None) -> IssuedInvite:
        """A new code for ``role`` at ``unit`` (code, name, or a name as people say it: ``storage.registry.match_unit``).
        ``issuer`` None = the terminal. ``name``: the invited person's registered name (``invited_name``).

        Raises ``PermissionDenied`` unless the issuer is an admin or holds the office role,
        ``UnknownUnit`` when ``unit`` matches nothing, ``RoleNotForUnit`` for the office role at a unit
        other than 区安委会办公室, ``NameInvalid``.
        """
        if issuer is not None and not (issuer.is_admin or issuer.has(Role.OFFICE)):
            raise PermissionDenied()
        registered_name = invited_name(name)
        async with self._uow() as uow:
            found = await find_unit(uow.session, unit)  # as people say it (建外, 消防, CBD), as /status reads it
            if not role_fits_unit(role, found.code):
                raise RoleNotForUnit(unit=found.name)
            assert found.id is not None  # a stored unit
            invite = InviteCode(
                code="".join(secrets.choice(_ALPHABET) for _ in range(8)),
                role=role.value,
                unit_id=found.id,
                created_by=issuer.user_id if issuer else None,
                expires_at=utcnow() + self._ttl,
                registered_name=registered_name,
            )
            uow.session.add(invite)
            await uow.commit()
            return IssuedInvite(invite.code, role, found.name, invite.expires_at, registered_name)

    async def redeem(self, actor: Actor, code: str) -> Grant:
        """Bind ``actor`` with ``code``. Exactly one of two concurrent redeemers wins. A name the code carries
        becomes their registered name, unless a contact form (附件4) entry bound to them names them: the form is
        the registry of record (``contacts_import.keep_registered_name`` keeps them in step).

        Raises ``InviteInvalid(reason=unknown|used|expired|revoked)``; ``RoleNotForUnit`` for an office
        code of a unit other than 区安委会办公室 (issued before that rule).
        """
        code = code.strip().upper()
        now = utcnow()
        async with self._uow() as uow:
            invite = (await uow.session.exec(select(InviteCode).where(InviteCode.code == code))).first()
            if invite is None:
                raise InviteInvalid(reason="unknown")
            if invite.revoked_at is not None:
                raise InviteInvalid(reason="revoked")
            if invite.used_by is not None:
                raise InviteInvalid(reason="used")
            if invite.expires_at <= now:
                raise InviteInvalid(reason="expired")
            unit = await uow.session.get(Unit, invite.unit_id)
            assert unit is not None and unit.id is not None
            if not role_fits_unit(Role(invite.role), unit.code):  # a code issued before the rule held
                raise RoleNotForUnit(unit=unit.name)
            claimed = await uow.session.exec(
                update(InviteCode)
                .where(col(InviteCode.id) == invite.id, col(InviteCode.used_by).is_(None))
                .values(used_by=actor.user_id, used_at=now)
            )
            if claimed.rowcount != 1:
                raise InviteInvalid(reason="used")
            existing = (
                await uow.session.exec(
                    select(Membership).where(
                        Membership.user_id == actor.user_id,
                        Membership.unit_id == invite.unit_id,
                        Membership.role == invite.role,
                    )
                )
            ).first()
            if existing is None:
                uow.session.add(Membership(user_id=actor.user_id, unit_id=invite.unit_id, role=invite.role))
            if invite.registered_name:
                await _take_name(uow.session, actor.user_id, invite.registered_name)
            await uow.commit()
            return Grant(Role(invite.role), unit.id, unit.code, unit.name, unit.is_township, unit.kind)


async def _take_name(session: AsyncSession, user_id: int, name: str) -> None:
    """User ``user_id``'s registered name becomes ``name``, unless a contact form entry bound to them names them."""
    named = (await session.exec(select(Contact.id).where(Contact.user_id == user_id, Contact.name != ""))).first()
    user = await session.get(User, user_id)
    if named is None and user is not None and user.registered_name != name:
        user.registered_name = name
        session.add(user)
