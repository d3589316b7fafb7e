"""The one thing a service that opens a form about a record needs of the form service, as a protocol: those
services' submitters run inside the form service, so they cannot import it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.forms.prompt import Prompt
from bot.services.actors import Actor
from storage.models import Draft


class FormOpener(Protocol):
    """``bot.services.forms.FormService.start``: open ``form_key`` for ``actor`` (see there)."""

    async def start(
        self,
        actor: Actor,
        form_key: str,
        locale: str,
        *,
        prefill: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
        on_created: Callable[[AsyncSession, Draft], Awaitable[None]] | None = None,
    ) -> Prompt:
        """Create a draft of ``form_key`` for ``actor`` and return the first question (another form open: the
        prompt ``other_open``, nothing created). ``prefill`` answers
        fields ahead, ``context`` records the facts the form is opened with, ``on_created`` runs in the
        same unit of work."""
