"""``/start`` and ``/help``: greet by role and say what this person can do here."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.domain import Role
from bot.services.actors import Actor
from handlers.hazard_view import lifecycle_commands
from handlers.texts import q, role_name


def _capabilities(actor: Actor) -> list[str]:
    lines = []
    roles = {g.role for g in actor.grants}
    if roles & {Role.INSPECTOR, Role.REVIEWER, Role.OFFICE}:
        lines.append(_("/inspect — record an inspection (Annex 1)"))
        lines.append(_("/hazard — record a hazard with photos and location (Annex 2)"))
        lines.append(_("/resume — show the question of the form you are filling in"))
        lines.append(_("/cancel — discard the form you are filling in"))
    lines += lifecycle_commands(actor)
    if roles & {Role.REVIEWER, Role.LEADER, Role.OFFICE}:
        lines.append(_("/plan — file the unit's annual inspection plan (Annex 3); /plan_file as Excel"))
    if roles & {Role.LEADER, Role.OFFICE} or actor.is_admin:
        lines.append(_("/status — where the campaign stands, with a chart; /rank — the league table"))
    if roles & {Role.INSPECTOR, Role.REVIEWER, Role.OFFICE}:
        lines.append(_("/tipoffs — tip-offs from the public waiting for verification"))
    if Role.OFFICE in roles or actor.is_admin:
        lines.append(_("/submissions [YYYY-MM] [unit] — what units submitted, and which units are late"))
    lines.append(_("/report — report a safety hazard; /track NUMBER — follow it; /my_reports"))
    lines.append(_("/bind CODE — bind to a unit with an invite code"))
    lines.append(_("/help — this help"))
    return lines


def greeting(actor: Actor) -> str:
    if not actor.is_bound:
        return _(
            "Hello {name}! This is the Chaoyang urban safety hazard campaign bot.\n"
            "You are not bound to a unit yet. Ask your unit's administrator or the district safety office "
            "for an invite code, then send:\n/bind CODE"
        ).format(name=q(actor.full_name)) + "\n\n" + _(
            "Anyone can report a safety hazard: /report (anonymous by default); follow it with /track NUMBER."
        )
    roles = "\n".join(f"• {q(g.unit_name)}：{role_name(g.role)}" for g in actor.grants)
    if actor.is_admin and not actor.grants:
        roles = "• " + role_name(Role.ADMIN)
    return _("Hello {name}! Your roles:\n{roles}\n\nWhat you can do:\n{commands}").format(
        name=q(actor.full_name), roles=roles, commands="\n".join(_capabilities(actor))
    )


async def start(message: Message, actor: Actor, command: CommandObject) -> None:
    """``/start``: greeting and what this person can do."""
    await message.answer(greeting(actor))


async def help_(message: Message, actor: Actor) -> None:
    """``/help``: the same."""
    await message.answer(greeting(actor))


def router() -> Router:
    r = Router(name="start")
    r.message.filter(F.chat.type == "private")
    r.message.register(start, CommandStart())
    r.message.register(help_, Command("help"))
    return r
