"""The project's logging captured as a deployment set to debug writes it, for the tests that read the log."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from bot.logging_setup import configure_logging


@contextmanager
def debug_log() -> Iterator[io.StringIO]:
    """``configure_logging`` at DEBUG in ``kv`` form into a string stream (read it with ``getvalue()``); the root
    logger's handler is removed and its level put back on leaving."""
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging(logging.DEBUG, "kv", stream)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
