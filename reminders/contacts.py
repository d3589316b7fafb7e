"""Contacts registry use cases (附件4), framework-free: binding a Telegram account by the person's
own phone number, and importing the registry file the office sends."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import select

from bot.channels import ChannelAddress
from bot.domain import Role
from bot.forms.checks import Rejected, parse_phone
from bot.services.actors import Actor
from bot.services.contacts_import import (
    SUFFIXES,
    ContactsFileEmpty,
    ContactsImportRejected,
    ContactsImportReport,
    ImportProblem,
    is_blank,
    keep_registered_name,
    store_contacts,
)
from bot.services.errors import DomainError, PermissionDenied
from bot.services.sheet_jobs import read_contacts_upload
from bot.services.sheet_parser import SheetParser
from storage.db import UowFactory
from storage.models import Membership, Unit
from storage.models_reminders import BlockedRecipient, Contact
from storage.upload_kinds import shown_name

ROLE_OF = {"leader": Role.LEADER, "contact": Role.CONTACT}


class NotOwnContact(DomainError, code="not_own_contact"):
    """The shared contact card is someone else's: only one's own number binds."""


class PhoneNotRegistered(DomainError, code="phone_not_registered"):
    """No entry of the contacts registry has this mobile (``phone`` in params)."""


@dataclass(frozen=True)
class ContactBinding:
    """A registry entry now bound: the unit's name and the role (``leader`` or ``contact``)."""

    unit_name: str
    role: Role


class ContactService:
    """The units' contacts (附件4): binding a person by their shared phone number, and importing the contacts
    sheet."""

    def __init__(self, uow: UowFactory, sheets: SheetParser | None = None) -> None:
        self._uow = uow
        self._sheets = sheets or SheetParser()

    async def bind_by_phone(self, actor: Actor, phone: str, card_owner: ChannelAddress | None) -> list[ContactBinding]:
        """Bind ``actor`` to every registry entry whose mobile is ``phone`` and give them the matching
        role (主管领导 → leader, 联系人员 → contact) for that unit; the entry's name becomes the user's registered
        name (``User.registered_name``: records and printed papers carry it, not the Telegram name). ``card_owner``
        is the address of the person on the shared contact card; it must be the actor's own (Telegram's "share
        my number").
        Someone who had blocked the bot and comes back is unblocked.

        Raises ``NotOwnContact``, ``PhoneNotRegistered``.
        """
        if card_owner != actor.address:
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
            await s.flush()
            await keep_registered_name(s, actor.user_id)
            blocked = await s.get(BlockedRecipient, actor.user_id)
            if blocked is not None:
                await s.delete(blocked)
            await u.commit()
        return out

    @staticmethod
    def _may_import(actor: Actor) -> None:
        if not (actor.is_admin or actor.has(Role.OFFICE)):
            raise PermissionDenied()

    async def import_upload(self, actor: Actor, filename: str, size: int | None,
                            fetch: Callable[[Path], Awaitable[object]]) -> ContactsImportReport:
        """A registry file sent to the bot: the actor (as they are now), the file name (.xlsx or .csv) and
        the announced ``size`` (bytes) are checked before ``fetch(path)`` downloads it; then ``import_file``.
        Raises ``PermissionDenied``, ``SpreadsheetRefused``, ``ContactsImportRejected``."""
        self._may_import(actor)
        suffix = Path(filename).suffix.lower()
        if suffix not in SUFFIXES:
            raise ContactsImportRejected([ImportProblem(0, "文件", "只支持 .xlsx 或 .csv 文件")])
        self._sheets.check_size(size)
        folder = Path(tempfile.mkdtemp(prefix="hazardbot-contacts-"))
        try:
            path = folder / f"upload{suffix}"
            await fetch(path)
            return await self.import_file(actor, path, filename)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    async def import_file(self, actor: Actor, path: Path, filename: str) -> ContactsImportReport:
        """The office (or an admin) replaces the registry entries of the units in the file at ``path``
        (read in the parse worker as ``filename``'s type; a refusal names the file ``filename``, as its sender
        knows it, never by ``path``, the bot's copy).

        Raises ``PermissionDenied``; ``ContactsFileEmpty`` (nothing in it); ``SpreadsheetRefused`` (beyond the
        bounds, or the worker ran out of memory or time); ``ContactsImportRejected`` with every wrong row (nothing
        saved).
        """
        self._may_import(actor)
        if is_blank(path, filename):
            raise ContactsFileEmpty()
        async with self._uow() as u:
            units = [tuple(r) for r in (await u.session.exec(select(Unit.id, Unit.code, Unit.name))).all()]  # type: ignore[call-overload]
        csv = Path(filename).suffix.lower() == ".csv"
        entries, problems, total = await self._sheets.parse(read_contacts_upload, path, shown_name(filename), units,
                                                            archive=not csv)
        if problems:
            raise ContactsImportRejected(problems, total)
        async with self._uow() as u:
            report = await store_contacts(u.session, entries)
            await u.commit()
        return report
