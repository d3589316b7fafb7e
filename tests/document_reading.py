"""Reading generated documents back with their own readers: PDF text (pypdf), PDF pages as PNG
(pdftoppm), Word paragraphs and table cells (python-docx)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page, whitespace removed (table cells wrap lines anywhere)."""
    return ["".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages]


def squeeze(text: str) -> str:
    return "".join(text.split())


def docx_text(data: bytes) -> str:
    """Every paragraph and table cell of a .docx, in order, one per line."""
    doc = Document(io.BytesIO(data))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def pdftoppm() -> str:
    """The pdftoppm program; skipped with a message where it is missing, except under CI=true (where
    .ci/run installs poppler-utils) — there a missing one fails."""
    found = shutil.which("pdftoppm")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftoppm is missing under CI: .ci/run installs poppler-utils")
        pytest.skip("pdftoppm not installed (apt-get install -y poppler-utils) — PDF pages not rendered")
    return found


def render_pages(data: bytes, folder: Path, dpi: int = 60) -> list[Path]:
    """Each page of a PDF as a PNG in ``folder``."""
    pdf = folder / "doc.pdf"
    pdf.write_bytes(data)
    subprocess.run([pdftoppm(), "-r", str(dpi), "-png", str(pdf), str(folder / "page")], check=True, timeout=120)
    return sorted(folder.glob("page*.png"))
