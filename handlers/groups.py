"""In group chats the bot answers only commands addressed to it (``/cmd@bot``) and invites the user
to a private chat: forms carry personal data and photos and run in private chats only."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _


async def command_in_group(message: Message, bot: Bot) -> None:
    """A command addressed to the bot in a group: an invitation to a private chat."""
    me = await bot.me()
    command = (message.text or "").split()[0]
    if not me.username or not command.lower().endswith("@" + me.username.lower()):
        return
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_("Open a private chat"), url=f"https://t.me/{me.username}?start=group")]]
    )
    await message.reply(_("Please use me in a private chat: records and photos are entered there."), reply_markup=keyboard)


async def ignore_everything_else(message: Message) -> None:
    """Anything else in a group is not for the bot."""
    return None


def router() -> Router:
    """Groups and channels: a command is answered with "use me in a private chat", anything else ignored."""
    r = Router(name="groups")
    r.message.filter(F.chat.type.in_({"group", "supergroup", "channel"}))
    r.message.register(command_in_group, F.text.startswith("/"))
    r.message.register(ignore_everything_else)
    return r
