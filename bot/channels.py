"""Where a person is reached and where a picture came from, without naming a messenger (issue 18,
"channel-free at the seam").

A user is reached at a ``ChannelAddress``: the channel (``"telegram"`` now, WeCom next) and the channel's
own address of the person there, kept as text (a Telegram user id ``"123"``, a WeCom ``userid``). A picture
received on a channel is a ``MediaRef``: the channel and its reference to the file (Telegram ``file_id``),
fetched only by that channel's adapter. Services, reminders and storage pass these values along and never
look inside them; only a channel's adapter (for Telegram: ``handlers/``, the run modes in ``bot/`` listed in
``docs/channels.md`` and ``reminders/sender.py``) turns them into its own ids.

Framework-free: imports nothing but the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass

#: the channel of the Telegram adapter (``handlers/``, ``reminders/sender.py``)
TELEGRAM = "telegram"
#: accounts of the command line (the ledger import's user): reached nowhere, nothing is sent to them
SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class ChannelAddress:
    """A person on a channel: ``channel`` (≤ 16 chars, e.g. ``"telegram"``) and ``address`` there (≤ 64
    chars, opaque to everything but that channel's adapter)."""

    channel: str
    address: str

    def __str__(self) -> str:
        return f"{self.channel}:{self.address}"


@dataclass(frozen=True, slots=True)
class MediaRef:
    """A file as the channel knows it: ``channel``, ``ref`` (≤ 256 chars, what the channel's adapter fetches
    or sends again, e.g. a Telegram ``file_id``) and ``unique`` (≤ 64 chars, the channel's id of the same
    content across references, e.g. Telegram's ``file_unique_id``; ``None`` when the channel has none)."""

    channel: str
    ref: str
    unique: str | None = None


def telegram_address(user_id: int) -> ChannelAddress:
    """The address of the Telegram user ``user_id`` (their private chat has the same id), for the adapter."""
    return ChannelAddress(TELEGRAM, str(user_id))


#: the system account that imported ledger rows are credited to (``hazardbot import``)
LEDGER_IMPORT = ChannelAddress(SYSTEM, "ledger-import")
#: the actor of a contact sheet imported on the command line (no user row)
CONTACTS_IMPORT = ChannelAddress(SYSTEM, "contacts-import")
