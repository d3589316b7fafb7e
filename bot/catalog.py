"""Keep the Chinese catalog in step with the code: ``python -m bot.catalog`` adds every new ``_()``
message id to ``bot/locales/zh/LC_MESSAGES/hazardbot.po`` (existing translations kept), drops those the code
no longer says, and lists those still untranslated. The test suite fails while any is untranslated or obsolete.

Every ``_()`` in the code takes a literal (no text reaches gettext from a variable), so an id that extraction
does not find is said nowhere; the forms' texts (``config/forms``) carry both languages and are not here."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO_PATH = ROOT / "bot" / "locales" / "zh" / "LC_MESSAGES" / "hazardbot.po"
SOURCE_DIRS = ("bot", "handlers", "reminders", "storage")


def extracted_ids() -> list[str]:
    """Every message id passed to ``_()`` in the application packages, in source order."""
    ids: list[str] = []
    for directory in SOURCE_DIRS:
        path = ROOT / directory
        if not path.is_dir():
            continue
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(path), method_map=[("**.py", "python")], keywords={"_": None}
        ):
            if isinstance(message, str) and message not in ids:
                ids.append(message)
    return ids


def load() -> Catalog:
    """The Chinese catalog as it is on disk (``PO_PATH``)."""
    with PO_PATH.open("rb") as fh:
        return read_po(fh)


def untranslated() -> list[str]:
    """The message ids used in the code with no Chinese translation yet, in source order."""
    catalog = load()
    return [mid for mid in extracted_ids() if not ((entry := catalog.get(mid)) and entry.string)]


def obsolete() -> list[str]:
    """The catalog's message ids the code no longer says (a text reworded or removed), in catalog order."""
    used = set(extracted_ids())
    return [m.id for m in load() if isinstance(m.id, str) and m.id and m.id not in used]


def update() -> list[str]:
    """Add missing ids to the catalog file and drop obsolete ones; returns the ids still untranslated."""
    catalog = load()
    for mid in obsolete():
        del catalog[mid]
    for mid in extracted_ids():
        if catalog.get(mid) is None:
            catalog.add(mid, "")
    with PO_PATH.open("wb") as fh:
        write_po(fh, catalog, no_location=True, width=100)
    return untranslated()


if __name__ == "__main__":
    missing = update()
    for mid in missing:
        print(f"untranslated: {mid!r}")  # noqa: T201
    sys.exit(1 if missing else 0)
