"""Printing a benchmark's result and appending it, dated in Beijing time, to its ``benchmarks/RESULTS-*.md``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo


def record(results: Path, title: str, detail: str, text: str, *, write: bool = True) -> None:
    """Print ``text``; with ``write``, append it to ``results`` under ``### title — YYYY-MM-DD HH:MM Asia/Shanghai
    detail`` (``detail``: the run's options, e.g. ``", 3 rounds (small)"``)."""
    print(text)
    if write:
        with results.open("a", encoding="utf-8") as fh:
            fh.write(f"\n### {title} — {datetime.now(ZoneInfo('Asia/Shanghai')):%Y-%m-%d %H:%M} Asia/Shanghai"
                     f"{detail}\n\n{text}\n")
