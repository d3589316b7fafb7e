"""Where the bot converses: private chats. A group, a supergroup or a channel gets only ``handlers.groups``' note
(people's names, phones and hazard records are not shown to a room), so every conversation router is made here."""

from __future__ import annotations

from aiogram import F, Router


def private_router(name: str, *, buttons: bool = False, edits: bool = False) -> Router:
    """A router named ``name`` whose messages are taken only from private chats; with ``buttons`` its button
    presses too (from messages in private chats), with ``edits`` its edited messages (a live location moving).
    ``bot.route_skip`` reads these filters to skip the router for an update of another chat."""
    r = Router(name=name)
    r.message.filter(F.chat.type == "private")
    if buttons:
        r.callback_query.filter(F.message.chat.type == "private")
    if edits:
        r.edited_message.filter(F.chat.type == "private")
    return r
