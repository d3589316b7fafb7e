"""``hazardbot photos prune``: list (dry run, the default) or ``--apply`` remove the photos no record,
draft or event names, older than ``--older-than DAYS`` (default: the office's retention,
``HAZARDBOT_PHOTO_RETENTION_DAYS``). See ``bot.services.photo_prune`` for what counts as named."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta

from bot.settings import Settings


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {text!r}") from None
    if days < 1:
        raise argparse.ArgumentTypeError("give at least 1 day: a photo just received may not be named yet")
    return days


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    photos = sub.add_parser("photos", help="the photo store")
    photos_sub = photos.add_subparsers(dest="photos_command", required=True)
    prune = photos_sub.add_parser(
        "prune", help="list (or --apply: remove) photos no record, draft or event names, older than the retention")
    prune.add_argument("--apply", action="store_true", help="remove them (without it: only list them)")
    prune.add_argument("--older-than", type=_days, metavar="DAYS",
                       help="retention in days (default HAZARDBOT_PHOTO_RETENTION_DAYS, 30)")
    prune.set_defaults(func=prune_command)


async def prune_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core import open_core
    from bot.services.photo_prune import prune_photos

    days = args.older_than or settings.photo_retention_days
    async with open_core(settings) as core:
        report = await prune_photos(core.uow, core.photo_store, now=datetime.now(UTC),
                                    older_than=timedelta(days=days), apply=args.apply)
    verb = "removed" if report.applied else "would remove"
    for photo_id in report.rows:
        _say(f"{verb} photo row {photo_id} (no record, draft or event names it)")
    for stored in report.files:
        age = (datetime.now(UTC) - stored.modified).days
        _say(f"{verb} {stored.key} {stored.size} bytes, {age} days old")
    _say(f"{len(report.rows)} photo rows and {len(report.files)} files ({report.bytes / 2**20:.1f} MB) "
          f"named by nothing and older than {days} days: {verb}; {report.young} newer kept")
    if not report.applied and (report.rows or report.files):
        _say("dry run: nothing was removed; run again with --apply to remove them")
    return 0
