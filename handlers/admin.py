"""Administration by message for admins and the office: ``/invite ROLE UNIT [姓名:NAME]``, ``/invites``,
``/revoke CODE``, ``/users [UNIT]``, ``/setrole USER_ID UNIT ROLE [OLD_ROLE]``, ``/unsetrole USER_ID UNIT ROLE``.
ROLE is a role's Chinese name or code (``bot.services.role_words``); UNIT a unit's code or exact name."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.channels import TELEGRAM
from bot.core import Core, Services
from bot.domain import record_id
from bot.services.actors import Actor
from bot.services.admin import UserRoles, split_invited_name
from bot.services.errors import NotFound
from bot.services.role_words import parse_role, role_words
from handlers.command_menu import refresh_menu
from handlers.message_limits import clip
from handlers.private import private_router
from handlers.texts import q, role_name


def _local(at: datetime, tz: ZoneInfo) -> datetime:
    """``at`` (stored in UTC; naive means UTC) in the deployment's zone: people read Beijing time everywhere."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(tz)


def user_line(user: UserRoles) -> str:
    """``#id name (tg 123): roles`` — the channel short for Telegram, named for any other; a registered name
    first when there is one (``#id 王建国（小王） …``)."""
    roles = "；".join(f"{q(unit)} {role_name(role)}" for role, unit in user.roles) or "—"
    channel = "tg" if user.address.channel == TELEGRAM else q(user.address.channel)
    name = f"{q(user.registered_name)}（{q(user.full_name)}）" if user.registered_name else q(user.full_name)
    return f"#{user.user_id} {name} ({channel} {q(user.address.address)}): {roles}"


def _invite_usage() -> str:
    return _("Send /invite ROLE UNIT [name:NAME], e.g. /invite 检查人员 建外街道 name:张三. NAME, if given, is the "
             "person's name on records and papers (else their Telegram name). Roles: {roles}").format(roles=role_words())


async def invite(message: Message, command: CommandObject, actor: Actor, services: Services, core: Core) -> None:
    """``/invite ROLE UNIT [姓名:NAME]``: a one-time invite code for ROLE at UNIT, NAME becoming the person's
    registered name. Raises ``PermissionDenied``, ``UnknownUnit``, ``RoleNotForUnit``, ``NameInvalid`` (answered
    by ``handlers.errors``; a name's refusal says how to write it)."""
    args, name = split_invited_name(command.args or "")
    parts = args.split(maxsplit=1)
    role = parse_role(parts[0]) if parts else None
    if role is None or len(parts) < 2:
        await message.answer(_invite_usage())
        return
    issued = await services.admin.issue(actor, role, parts[1].strip(), name)
    tz = core.clock.tz
    zone = _("Beijing time") if str(tz) == "Asia/Shanghai" else str(tz)
    answer = _("Invite code for {role} of {unit}: <code>{code}</code> (valid until {until}, {zone}).\n"
               "The person sends /bind {code}").format(
        role=role_name(role), unit=q(issued.unit_name), code=issued.code,
        until=f"{_local(issued.expires_at, tz):%Y-%m-%d %H:%M}", zone=zone)
    if issued.registered_name:
        answer += "\n" + _("Records and papers will name them {name}.").format(name=q(issued.registered_name))
    await message.answer(answer)


async def invites(message: Message, actor: Actor, services: Services, core: Core) -> None:
    """``/invites``: the unused invite codes the sender may see. Raises ``PermissionDenied``."""
    pending = await services.admin.pending_invites(actor)
    lines = [_("Unused invite codes:")] + [
        f"<code>{p.code}</code> {role_name(p.role)} · {q(p.unit_name)} · {_local(p.expires_at, core.clock.tz):%Y-%m-%d}"
        + (" · " + _("name: {name}").format(name=q(p.registered_name)) if p.registered_name else "") for p in pending
    ]
    await message.answer(clip("\n".join(lines if pending else lines + [_("Nothing here.")])))


async def revoke(message: Message, command: CommandObject, actor: Actor, services: Services) -> None:
    """``/revoke CODE``: the code can no longer be used. Raises ``PermissionDenied``, ``InviteInvalid``."""
    if not command.args:
        await message.answer(_("Send /revoke CODE."))
        return
    revoked = await services.admin.revoke_invite(actor, command.args)
    await message.answer(_("Revoked: {code}.").format(code=revoked.code))


async def users(message: Message, command: CommandObject, actor: Actor, services: Services) -> None:
    """``/users [UNIT]``: people and their roles within the sender's scope. Raises ``PermissionDenied``,
    ``UnknownUnit``."""
    found = await services.admin.users(actor, command.args.strip() if command.args else None)
    lines = [_("Users and roles:")] + [user_line(u) for u in found]
    await message.answer(clip("\n".join(lines if found else lines + [_("Nothing here.")])))


async def set_role(message: Message, bot: Bot, command: CommandObject, actor: Actor, services: Services,
                   core: Core) -> None:
    """``/setrole USER_ID UNIT ROLE [OLD_ROLE]`` gives (or swaps) a role, ``/unsetrole USER_ID UNIT ROLE``
    takes it. Raises ``NotFound`` (no such user), ``PermissionDenied``, ``UnknownUnit``, ``RoleNotForUnit``."""
    parts = (command.args or "").split()
    removing = command.command == "unsetrole"
    roles = [parse_role(p) for p in parts[2:]]
    if len(parts) < 3 or not parts[0].isdigit() or None in roles or len(roles) > (1 if removing else 2):
        await message.answer(_("Send /setrole USER_ID UNIT ROLE [OLD_ROLE] or /unsetrole USER_ID UNIT ROLE. "
                               "Roles: {roles}").format(roles=role_words()))
        return
    user_id, unit = record_id(parts[0]), parts[1]
    if user_id is None:  # digits, but beyond any id (or not ASCII digits): nobody has it
        raise NotFound(what="user", id=parts[0])
    if removing:
        result = await services.admin.remove_role(actor, user_id, unit, roles[0])  # type: ignore[arg-type]
    else:
        result = await services.admin.set_role(actor, user_id, unit, roles[0], roles[1:])  # type: ignore[arg-type]
    await message.answer(_("Done. {line}").format(line=user_line(result)))
    await refresh_menu(bot, core, result.user_id)  # the person whose role changed gets its commands


def router() -> Router:
    """``/invite``, ``/invites``, ``/revoke``, ``/users``, ``/setrole`` and ``/unsetrole``, in private chats."""
    r = private_router("admin")
    r.message.register(invite, Command("invite"))
    r.message.register(invites, Command("invites"))
    r.message.register(revoke, Command("revoke"))
    r.message.register(users, Command("users"))
    r.message.register(set_role, Command("setrole", "unsetrole"))
    return r
