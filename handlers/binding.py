"""``/bind CODE``: take a role for a unit with an invite code."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.core import Core, Services
from bot.services.actors import Actor
from handlers.command_menu import refresh_menu
from handlers.private import private_router
from handlers.texts import q, role_name


async def bind(message: Message, bot: Bot, command: CommandObject, actor: Actor, services: Services, core: Core) -> None:
    """``/bind CODE``: the role and unit of the invite. Raises ``InviteInvalid`` (answered by
    ``handlers.errors``). The person's command menu then holds their new role's commands."""
    if not command.args:
        await message.answer(_("Send the code after the command, e.g. /bind ABCD2345"))
        return
    grant = await services.invites.redeem(actor, command.args)
    await message.answer(
        _("Bound: you are now {role} of {unit}.\nSend /help to see what you can do.").format(
            role=role_name(grant.role), unit=q(grant.unit_name)
        )
    )
    await refresh_menu(bot, core, actor.user_id)


def router() -> Router:
    """``/bind CODE`` in private chats."""
    r = private_router("binding")
    r.message.register(bind, Command("bind"))
    return r
