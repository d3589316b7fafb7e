"""Rendering pictures with matplotlib (Agg backend, no display) and the bundled CJK font
(``bot.fonts``), so Chinese labels render on a fresh machine."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from bot.fonts import register_with_matplotlib  # noqa: E402

P = ParamSpec("P")


@contextmanager
def cjk_fonts() -> Iterator[None]:
    """matplotlib settings for our pictures: the bundled CJK font first, plain minus signs, and no offset
    or scientific notation on axes (a count of a million is written out, not ``1e6``)."""
    family = register_with_matplotlib()
    with matplotlib.rc_context({"font.family": [family, "DejaVu Sans"], "axes.unicode_minus": False,
                                "axes.formatter.useoffset": False, "axes.formatter.limits": (-12, 12)}):
        yield


def cjk_png(draw: Callable[P, Figure]) -> Callable[P, bytes]:
    """Run ``draw`` under ``cjk_fonts`` and return its figure as PNG bytes; ``draw.__wrapped__`` gives the
    figure itself (for tests that look at its artists: call it under ``cjk_fonts`` too)."""

    @functools.wraps(draw)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> bytes:
        with cjk_fonts():
            fig = draw(*args, **kwargs)
            buf = io.BytesIO()
            fig.savefig(buf, format="png")
        return buf.getvalue()

    return wrapper
