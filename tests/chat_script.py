"""A person's side of a conversation written as a script: the answers typed and the buttons pressed, in order,
and what the bot must show after a step (the next question, or the reason an answer is refused)."""

from __future__ import annotations

from bot.local_chat import LocalChat


class Tap(str):
    """A button's label, to press (a plain string in a script is typed)."""

    __slots__ = ()


async def answer(chat: LocalChat, *steps: str) -> None:
    """Type each plain string of ``steps`` and press each ``Tap``, in order."""
    for step in steps:
        await (chat.press(step) if isinstance(step, Tap) else chat.say(step))


async def shows(chat: LocalChat, step: str, *texts: str) -> None:
    """Type (or, for a ``Tap``, press) ``step``; the bot's last message then holds every one of ``texts``."""
    await answer(chat, step)
    last = chat.last_text()
    assert all(t in last for t in texts), (texts, last)


refused = shows
"""``refused(chat, answer, reason, question)``: the answer is refused with ``reason`` and ``question`` asked again."""
