"""The acceptance documents of rectification reports (整改验收材料, 方案 四(三)): kept in the project's own
content-addressed file store when received, read back byte for byte wherever a report is shown again — no
messenger's file id is needed (issue 18), so every channel receives and sends them the same way.

A document is hostile until its bytes say what it is (``storage.upload_kinds``: at most 20 MB; PDF, Word,
Excel, PowerPoint, WPS, JPEG, PNG, plain text); the name it is sent back under is the declared one made safe.
A document received before the store (migration 0180) has only its old reference: it is listed, never sent.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from bot.forms.actions import StoredDocument
from bot.services.actors import Actor
from bot.services.find import FindService
from storage.db import UowFactory
from storage.models_lifecycle import Rectification
from storage.photo_store import PhotoStore
from storage.upload_kinds import safe_name, shown_name, sniff


@dataclass(frozen=True)
class AcceptanceDocument:
    """One rectification report's document: ``name`` to send it under, when it was reported (aware UTC),
    ``mime``; ``data`` its bytes, ``None`` when they cannot be had (received before the store, or gone from it or
    no longer matching their hash — ``stored`` tells the two apart)."""

    rectification_id: int
    name: str
    reported_at: datetime
    mime: str
    stored: bool
    data: bytes | None


class AcceptanceDocumentService:
    """Keeps acceptance documents (``store``: the project's file store) and reads them back for those who may
    read the hazard (``find``: its scope)."""

    def __init__(self, uow: UowFactory, store: PhotoStore, find: FindService) -> None:
        self._uow = uow
        self._store = store
        self._find = find

    async def keep(self, data: bytes, declared_name: str) -> StoredDocument:
        """Recognise ``data`` (≤ 20 MB) by its bytes and put it in the store; returns where it is and the safe
        name to send it back under. Raises ``UploadTooBig``, ``FileKindRefused`` (then nothing is stored)."""
        kind = sniff(data, declared_name)
        digest, key = await self._store.put(data)
        return StoredDocument(key, digest, len(data), kind.mime, safe_name(declared_name, kind, "验收材料"))

    async def of_hazard(self, actor: Actor, hazard_id: int) -> list[AcceptanceDocument]:
        """The documents of every rectification report of a hazard the actor may read, oldest first, with
        their bytes from the store. Raises ``NotBound``, ``NotFound`` (also out of scope)."""
        await self._find.case(actor, hazard_id)
        async with self._uow() as u:
            rows = (await u.session.exec(
                select(Rectification).where(Rectification.hazard_id == hazard_id,
                                            col(Rectification.document_name).is_not(None))
                .order_by(col(Rectification.id))
            )).all()
        return [AcceptanceDocument(r.id or 0, shown_name(r.document_name or ""), r.reported_at, r.document_mime or "",
                                   r.document_key is not None, await document_bytes(self._store, r)) for r in rows]


async def document_bytes(store: PhotoStore, row: Rectification) -> bytes | None:
    """The bytes of ``row``'s acceptance document from ``store``; ``None`` when it has none kept, or they are gone
    from the store or no longer match their sha256."""
    if row.document_key is None:
        return None
    try:
        data = await store.get(row.document_key)
    except (FileNotFoundError, ValueError):
        return None
    if row.document_sha256 and hashlib.sha256(data).hexdigest() != row.document_sha256:
        return None
    return data
