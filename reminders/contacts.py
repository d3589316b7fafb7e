"""Contacts registry use cases (附件4), framework-free: binding a Telegram account by the person's
own phone number, and importing the registry file the office sends."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from bot.domain import Role
from bot.forms.checks import Rejected, parse_phone
from bot.services.actors import Actor
from bot.services.errors import DomainError, PermissionDenied
from storage.contacts_import import ContactsImportReport, import_contacts
from storage.db import UowFactory
from storage.models import Membership, Unit
from storage.models_reminders import BlockedRecipient, Contact

ROLE_OF = {"leader": Role.LEADER, "contact": Role.CONTACT}


class NotOwnContact(DomainError):
    """The shared contact card is someone else's: only one's own number binds."""

    code = "not_own_contact"


class PhoneNotRegistered(DomainError):
    """No entry of the contacts registry has this mobile (``phone`` in params)."""

    code = "phone_not_registered"


@dataclass(frozen=True)
class ContactBinding:
    """A registry entry now bound: the unit's name and the role (``leader`` or ``contact``)."""

    unit_name: str
    role: Role


class ContactService:
    def __init__(self, uow: UowFactory) -> None:
        self._uow = uow

    async def bind_by_phone(self, actor: Actor, phone: str, card_user_id: int | None) -> list[ContactBinding]:
        """Bind ``actor`` to every registry entry whose mobile is ``phone`` and give them the matching
        role (主管领导 → leader, 联系人员 → contact) for that unit. ``card_user_id`` is the Telegram user
        id on the shared contact card; it must be the actor's own (Telegram's "share my number").
        Someone who had blocked the bot and comes back is unblocked.

        Raises ``NotOwnContact``, ``PhoneNotRegistered``.
        """
        if card_user_id != actor.telegram_id:
            raise NotOwnContact()
        try:
            mobile = parse_phone(phone)
        except Rejected:
            raise PhoneNotRegistered(phone=phone) from None
        async with self._uow() as u:
            s = u.session
            entries = (await s.exec(select(Contact, Unit.name).join(Unit, Unit.id == Contact.unit_id)  # type: ignore[arg-type]
                                    .where(Contact.mobile == mobile).order_by(Contact.id))).all()
            if not entries:
                raise PhoneNotRegistered(phone=mobile)
            held = set((await s.exec(select(Membership.unit_id, Membership.role)
                                     .where(Membership.user_id == actor.user_id))).all())
            out = []
            for contact, unit_name in entries:
                contact.user_id = actor.user_id
                s.add(contact)
                role = ROLE_OF[contact.role]
                if (contact.unit_id, role.value) not in held:
                    s.add(Membership(user_id=actor.user_id, unit_id=contact.unit_id, role=role.value))
                    held.add((contact.unit_id, role.value))
                out.append(ContactBinding(unit_name, role))
            blocked = await s.get(BlockedRecipient, actor.user_id)
            if blocked is not None:
                await s.delete(blocked)
            await u.commit()
        return out

    async def import_file(self, actor: Actor, data: bytes, filename: str) -> ContactsImportReport:
        """The office (or an admin) replaces the registry entries of the units in the file.

        Raises ``PermissionDenied``; ``ContactsImportRejected`` with every wrong row (nothing saved).
        """
        if not (actor.is_admin or actor.has(Role.OFFICE)):
            raise PermissionDenied()
        async with self._uow() as u:
            report = await import_contacts(u.session, data, filename)
            await u.commit()
        return report
