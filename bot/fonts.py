"""The CJK font the project brings itself: WenQuanYi Micro Hei (Apache-2.0 / GPLv3 with font
exception; copied from Debian's fonts-wqy-microhei, see ``config/fonts``). A fresh machine has no
Chinese font, and Pillow and matplotlib would draw boxes without it."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path


def cjk_font_path() -> Path:
    """Path of the bundled ``wqy-microhei.ttc`` (a TrueType collection; index 0 is Micro Hei)."""
    return Path(str(resources.files("config") / "fonts" / "wqy-microhei.ttc"))


@cache
def register_with_matplotlib() -> str:
    """Add the font to matplotlib's font manager by path and return its family name."""
    from matplotlib import font_manager

    path = str(cjk_font_path())
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()
