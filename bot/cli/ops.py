"""Operations subcommands: ``backup`` and ``restore``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.args import input_file
from bot.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``hazardbot backup`` and ``hazardbot restore`` to the subcommands."""
    backup = sub.add_parser("backup", help="consistent copy of the database (SQLite online backup, or pg_dump)")
    backup.add_argument("--to", dest="dest", help="directory for the backup (default DATA_DIR/backups)")
    backup.set_defaults(func=_backup)

    restore = sub.add_parser("restore", help="replace the SQLite database by a backup (refused while the bot runs: stop it first)")
    restore.add_argument("file", type=input_file, help="a hazardbot-*.db file made by `hazardbot backup`")
    restore.add_argument("--force", action="store_true", help="replace an existing database (it is kept aside)")
    restore.set_defaults(func=_restore)


def _backup(args: argparse.Namespace, settings: Settings) -> int:
    from bot.backup import BackupError, backup_postgres, backup_sqlite, sqlite_path

    url = settings.effective_database_url
    dest = Path(args.dest) if args.dest else settings.data_dir / "backups"
    try:
        if url.startswith("sqlite"):
            made = backup_sqlite(sqlite_path(url), dest)
        elif url.startswith("postgresql"):
            made = backup_postgres(url, dest)
        else:
            print(f"无法备份 {url.split(':', 1)[0]} 数据库", file=sys.stderr)
            return 2
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"照片以文件保存，不在数据库备份中：请同时复制 {settings.effective_photo_dir}")
    print(made)
    return 0


def _restore(args: argparse.Namespace, settings: Settings) -> int:
    from bot.backup import BackupError, restore_sqlite, sqlite_path

    url = settings.effective_database_url
    if not url.startswith("sqlite"):
        print("restore 只用于 SQLite；PostgreSQL 请先停止所有实例，再用 pg_restore（见 `hazardbot backup` 和 docs/operations.md）",
              file=sys.stderr)
        return 2
    try:
        kept = restore_sqlite(args.file, sqlite_path(url), force=args.force)
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 1
    if kept is not None:
        print(f"原数据库已另存为 {kept}")
    print(f"已将 {args.file} 恢复到 {sqlite_path(url)}")
    return 0
