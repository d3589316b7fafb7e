"""Callback data of the reminder buttons: ``rm:<action>:<id>``, ids only, at most 64 bytes.

The handler that receives one re-checks the presser's role and unit scope; the data proves nothing.
Actions: ``ledger`` (unit id: update the unit's ledger), ``hazard`` (hazard id: open the hazard to
report rectification), ``supervise`` (hazard id: office proposes 挂牌督办),
``extend`` (hazard id: the unit requests a deadline extension, 方案 四(三)), ``info`` / ``summary`` /
``plan`` / ``lookback`` (unit id: submit work information, quarterly summary, annual plan 附件3,
lookback report), ``contacts`` (unit id: review the unit's contact list), ``rank`` (id 0: the full weekly
ranking).
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "rm"
ACTIONS = frozenset({"ledger", "hazard", "supervise", "extend", "info", "summary", "plan", "lookback", "contacts", "rank"})


@dataclass(frozen=True)
class ReminderAction:
    """A reminder's button: the ``action`` (one of ``ACTIONS``) and the id it acts on (a unit, hazard, plan
    year …)."""

    action: str
    id: int

    def pack(self) -> str:
        """The callback data ``rm:<action>:<id>``; raises ``ValueError`` for an unknown action or data over
        Telegram's 64 bytes."""
        if self.action not in ACTIONS:
            raise ValueError(f"unknown reminder action {self.action!r}")
        data = f"{PREFIX}:{self.action}:{self.id}"
        if len(data.encode()) > 64:
            raise ValueError("callback data over 64 bytes")
        return data

    @classmethod
    def unpack(cls, data: str) -> ReminderAction:
        """Raises ``ValueError`` for anything not produced by ``pack``."""
        prefix, action, raw_id = data.split(":")
        if prefix != PREFIX or action not in ACTIONS or not raw_id.isdigit():
            raise ValueError(f"not a reminder callback: {data!r}")
        return cls(action, int(raw_id))
