"""Argument types for the ``hazardbot`` command: a mistyped date, a missing input file or an output
path in a missing directory is refused by argparse (usage, one ``error:`` line, exit status 2) before
anything is opened, instead of failing with a traceback half-way through."""

from __future__ import annotations

import argparse
import os
from datetime import date
from pathlib import Path


def iso_date(text: str) -> date:
    """A ``YYYY-MM-DD`` date."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"不是日期：{text!r}（格式 YYYY-MM-DD，如 2019-03-25）") from None


def input_file(text: str) -> Path:
    """An existing, readable file."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"文件不存在：{text}")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"不是文件：{text}")
    if not os.access(path, os.R_OK):
        raise argparse.ArgumentTypeError(f"无法读取 {text}：没有权限")
    return path


def output_file(text: str) -> Path:
    """A file to write, in an existing, writable directory (the file itself is created or replaced)."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} 是目录：请给出文件名")
    folder = path.parent
    if not folder.is_dir():
        why = "不是目录" if folder.exists() else "不存在"
        raise argparse.ArgumentTypeError(f"无法写入 {text}：{folder} {why}")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise argparse.ArgumentTypeError(f"无法写入 {text}：没有权限")
    return path
