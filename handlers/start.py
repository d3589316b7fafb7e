"""``/start`` and ``/help``: greet by role and say what this person can do here."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.domain import Role
from bot.services.actors import Actor
from handlers.command_menu import help_lines, set_actor_menu
from handlers.private import private_router
from handlers.texts import q, role_name


def greeting(actor: Actor, locale: str) -> str:
    """Hello, the person's roles, and every command of the catalog they may use (``locale``: theirs)."""
    commands = "\n".join(q(line) for line in help_lines(actor, locale))
    if not actor.is_bound:
        return _(
            "Hello {name}! This is the Chaoyang urban safety hazard campaign bot.\n"
            "You are not bound to a unit yet. Ask your unit's administrator or the district safety office "
            "for an invite code, then send:\n/bind CODE"
        ).format(name=q(actor.full_name)) + "\n\n" + _(
            "Anyone can report a safety hazard: /report (anonymous by default); follow it with /track NUMBER."
        ) + "\n\n" + _("What you can do:\n{commands}").format(commands=commands)
    roles = "\n".join("• " + _("{unit}: {role}").format(unit=q(g.unit_name), role=role_name(g.role))
                      for g in actor.grants)
    if actor.is_admin and not actor.grants:
        roles = "• " + role_name(Role.ADMIN)
    return _("Hello {name}! Your roles:\n{roles}\n\nWhat you can do:\n{commands}").format(
        name=q(actor.full_name), roles=roles, commands=commands
    )


async def start(message: Message, bot: Bot, actor: Actor, locale: str, command: CommandObject) -> None:
    """``/start``: greeting and what this person can do; their command menu set to the same commands."""
    await message.answer(greeting(actor, locale))
    await set_actor_menu(bot, actor, locale)


async def help_(message: Message, bot: Bot, actor: Actor, locale: str) -> None:
    """``/help``: the same."""
    await message.answer(greeting(actor, locale))
    await set_actor_menu(bot, actor, locale)


def router() -> Router:
    """``/start`` and ``/help``, in private chats."""
    r = private_router("start")
    r.message.register(start, CommandStart())
    r.message.register(help_, Command("help"))
    return r
