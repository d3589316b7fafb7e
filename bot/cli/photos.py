"""``hazardbot photos prune``: list (dry run, the default) or ``--apply`` remove the photos no record,
draft or event names, older than ``--older-than DAYS`` (default: the office's retention,
``HAZARDBOT_PHOTO_RETENTION_DAYS``). See ``bot.services.photo_prune`` for what counts as named. The same run, with
the same retention, prunes the file store of submitted files and acceptance documents (``bot.services.file_prune``)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from bot.settings import Settings


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"不是天数：{text!r}") from None
    if days < 1:
        raise argparse.ArgumentTypeError("至少 1 天：刚收到的照片可能尚未被记录引用")
    return days


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``hazardbot photos prune`` (``--apply``, ``--older-than DAYS``) to the subcommands."""
    photos = sub.add_parser("photos", help="the photo store")
    photos_sub = photos.add_subparsers(dest="photos_command", required=True)
    prune = photos_sub.add_parser(
        "prune", help="list (or --apply: remove) photos no record, draft or event names, and submitted files no record"
                      " or open draft names, older than the retention")
    prune.add_argument("--apply", action="store_true", help="remove them (without it: only list them)")
    prune.add_argument("--older-than", type=_days, metavar="DAYS",
                       help="retention in days (default HAZARDBOT_PHOTO_RETENTION_DAYS, 30)")
    prune.set_defaults(func=prune_command)


async def prune_command(args: argparse.Namespace, settings: Settings) -> int:
    """``hazardbot photos prune``: list, or with ``--apply`` remove, the photos and submitted files nothing
    refers to that are older than the retention (days); prints a line each and a total. Returns 0."""
    from bot.core import open_core
    from bot.services.store_prune import prune_stores

    days = args.older_than or settings.photo_retention_days
    async with open_core(settings) as core:
        done = await prune_stores(core.uow, core.photo_store, core.services.file_store, now=datetime.now(UTC),
                                  days=days, apply=args.apply)
    report, files = done.photos, done.files
    verb = "已删除" if report.applied else "将删除"
    for photo_id in report.rows:
        _say(f"{verb}照片记录 {photo_id}（没有记录、草稿或事件引用它）")
    for stored in report.files:
        age = (datetime.now(UTC) - stored.modified).days
        _say(f"{verb}文件 {stored.key} （{stored.size} 字节，{age} 天前收到）")
    _say(f"无任何引用且超过 {days} 天的照片记录 {len(report.rows)} 条、文件 {len(report.files)} 个"
         f"（{report.bytes / 2**20:.1f} MB）：{verb}；较新的 {report.young} 个保留")
    for stored in files.files:
        age = (datetime.now(UTC) - stored.modified).days
        _say(f"{verb}提交文件 {stored.key} （{stored.size} 字节，{age} 天前收到）")
    _say(f"无任何记录或未完成草稿引用且超过 {days} 天的提交文件 {len(files.files)} 个"
         f"（{files.bytes} 字节，{files.bytes / 2**20:.1f} MB）：{verb}；较新的 {files.young} 个保留")
    if not report.applied and (report.rows or report.files or files.files):
        _say("试运行：未删除任何照片或文件；加 --apply 再运行一次即删除")
    return 0
