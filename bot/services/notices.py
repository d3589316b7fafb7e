"""Messages a service asks its caller to deliver: the service decides whom to tell and what,
the channel (a handler) renders and sends. Services never send anything themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Notice:
    """Tell chat ``chat_id`` the event ``kind`` (rendered with ``params`` in ``locale``)."""

    chat_id: int
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    locale: str = "zh"
