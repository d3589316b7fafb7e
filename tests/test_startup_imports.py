"""Commands that never talk to Telegram start without aiogram (issue 18/19: importing its types takes
seconds on these machines), and the services' composition root stays framework-free, so a second
channel can drive it."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import bot.cli, bot.core
from bot.cli import COMMAND_MODULES, build_parser
build_parser()
loaded = sorted(m for m in ("aiogram", "matplotlib", "fpdf", "docxtpl") if m in sys.modules)
print(",".join(loaded))
"""


def test_the_command_line_and_the_services_load_without_aiogram() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "", f"loaded at start: {out.stdout.strip()}"


def test_python_dash_m_bot_is_the_command_line() -> None:
    """``python -m bot`` is how the kill -9 tests start a bot or sender (``tests/scale/child.py``): a
    ``bot/__main__.py`` reduced to its docstring ran nothing and exited 0, and the fan-out test waited 180 s."""
    out = subprocess.run([sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.startswith("usage: hazardbot"), (out.stdout, out.stderr)
