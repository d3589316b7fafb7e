"""A month's submissions as files (issue 16 item 5): a zip holding the index sheet (``storage.excel.
submissions_index``) and every stored file, byte for byte, as ``<unit>/<submission>-<n>-<name>``.

Telegram lets a bot upload at most 50 MB, so the files are packed into parts of at most ``PART_LIMIT`` bytes
(the index, in the first part, says which part holds each file); more than ``MAX_PARTS`` parts is refused
with the size, so that the office narrows the export (a unit, a kind) instead of receiving a flood. Sizes are
known before any byte is read (files are kept uncompressed in the zip: they are PDFs, Office files and
photos, already compressed)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

from sqlmodel import col, select

from bot.services.actors import Actor, current_actor
from bot.services.documents import DocumentFile
from bot.services.errors import DomainError
from bot.services.inbox import FileView, InboxFilter, InboxService, kind_words, title_of
from reminders.texts import _
from storage.excel.submissions_index import index_workbook
from storage.models import Unit
from storage.models_inbox import SubmissionFile
from storage.models_reminders import WorkSubmission
from storage.upload_kinds import UNSAFE_NAME

PART_LIMIT = 45 * 2**20  # under Telegram's 50 MB upload, with room for the zip's own records
MAX_PARTS = 4
ENTRY_OVERHEAD = 512  # a zip's local and central records of one entry, its name included (bound)
ZIP = "application/zip"


class NothingToExport(DomainError):
    """No submission under the filter."""

    code = "nothing_to_export"


class ExportTooBig(DomainError):
    """The files would need more than ``MAX_PARTS`` zips. ``params``: ``size_mb``, ``max_mb``."""

    code = "export_too_big"


@dataclass
class ExportPlan:
    """What the export holds: index ``rows`` and, per part, the files ``(file, name in the zip)``."""

    filter: InboxFilter
    rows: list[list[str]] = field(default_factory=list)
    parts: list[list[tuple[FileView, str]]] = field(default_factory=lambda: [[]])

    @property
    def count(self) -> int:
        """The number of parts (files) the export is split into."""
        return len(self.parts)


def _safe(name: str) -> str:
    return UNSAFE_NAME.sub("_", name).strip(" .") or "_"


async def plan_export(inbox: InboxService, actor: Actor, flt: InboxFilter) -> ExportPlan:
    """Decide the parts of the export of ``flt`` (its readers: ``InboxService.reads_all``) from the stored sizes. Raises ``NotOffice``,
    ``NothingToExport``, ``ExportTooBig``."""
    inbox.require_reader(actor)
    plan = ExportPlan(flt)
    sizes = [0]
    async with inbox.uow() as u:
        inbox.require_reader(await current_actor(u.session, actor))
        rows = (await u.session.exec(
            select(WorkSubmission, Unit.name).join(Unit, Unit.id == WorkSubmission.unit_id)  # type: ignore[arg-type]
            .where(*inbox.where(flt)).order_by(Unit.id, WorkSubmission.submitted_at, WorkSubmission.id)  # type: ignore[arg-type]
        )).all()
        if not rows:
            raise NothingToExport()
        files: dict[int, list[SubmissionFile]] = {}
        for f in (await u.session.exec(
            select(SubmissionFile).where(col(SubmissionFile.submission_id).in_([s.id for s, _n in rows]))
            .order_by(SubmissionFile.submission_id, SubmissionFile.position)  # type: ignore[arg-type]
        )).all():
            files.setdefault(f.submission_id, []).append(f)
    tz = inbox.tz
    total = 0
    for sub, unit_name in rows:
        names = []
        mine = files.get(sub.id, [])  # type: ignore[arg-type]
        for f in mine:
            if f.store_key is None:
                names.append(_("{name}: not yet stored (sent before the bot kept files)").format(
                    name=f.name or f.role))
                continue
            arc = f"{_safe(unit_name)}/{sub.id}-{f.position + 1}-{_safe(f.name)}"
            need = (f.size or 0) + ENTRY_OVERHEAD
            total += need
            if sizes[-1] + need > PART_LIMIT and plan.parts[-1]:
                plan.parts.append([])
                sizes.append(0)
            plan.parts[-1].append((FileView(f.id, f.role, f.name, f.mime, f.size, True, f.store_key, f.sha256), arc))  # type: ignore[arg-type]
            sizes[-1] += need
            names.append(arc if len(plan.parts) == 1 else _("{name} (part {n})").format(name=arc, n=len(plan.parts)))
        plan.rows.append([
            unit_name, kind_words(sub.kind), sub.period, sub.submitted_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            title_of(sub.text, mine[0].name if mine else None), "\n".join(names),
            _("yes") if sub.typical_at is not None else _("no"), sub.text,
        ])
    if len(plan.parts) > MAX_PARTS:
        raise ExportTooBig(size_mb=round(total / 2**20, 1), max_mb=MAX_PARTS * PART_LIMIT // 2**20)
    return plan


async def export_part(inbox: InboxService, plan: ExportPlan, number: int) -> DocumentFile:
    """Part ``number`` (0-based) of ``plan`` as a zip: the index sheet in the first, the files byte for byte. A
    file gone from the store meanwhile is left out (the index still names it)."""
    flt = plan.filter
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
        if number == 0:
            title = _("Submissions of {period}").format(period=flt.period)
            z.writestr(zipfile.ZipInfo("index.xlsx", (flt.year, flt.month, 1, 0, 0, 0)),
                       index_workbook(title, plan.rows), zipfile.ZIP_DEFLATED)
        for view, arc in plan.parts[number]:
            try:
                data = await inbox.store.get(view.store_key or "")
            except (FileNotFoundError, ValueError):
                continue
            z.writestr(zipfile.ZipInfo(arc, (flt.year, flt.month, 1, 0, 0, 0)), data)
    suffix = f"-{number + 1}of{plan.count}" if plan.count > 1 else ""
    return DocumentFile(buffer.getvalue(), f"submissions-{flt.period}{suffix}.zip", ZIP)
