"""Backups: a consistent online copy of the SQLite database (the bot may keep running), a restore
of such a copy, and ``pg_dump`` (or the exact commands to run) for PostgreSQL.

Photos live as files under the photo directory, not in the database: back that directory up with
the database (``rsync -a``), as the printed instructions say.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.serving_lock import DatabaseInUse, exclusive


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


def _stamp(now: datetime | None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _make_dir(path: Path, what: str) -> None:
    """Create the directory ``path`` (and its parents); raises ``BackupError`` saying why it cannot be."""
    if path.exists() and not path.is_dir():
        raise BackupError(f"{what} {path} 是一个文件，不是目录")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"无法创建{what} {path}：{exc.strerror or exc}") from exc


def sqlite_path(database_url: str) -> Path:
    """The file of a ``sqlite+aiosqlite:///…`` URL; raises ``BackupError`` for an in-memory database."""
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("内存中的 SQLite 数据库无法备份")
    return Path(database)


def backup_sqlite(db_file: Path, dest_dir: Path, now: datetime | None = None) -> Path:
    """Copy ``db_file`` to ``dest_dir/hazardbot-<UTC timestamp>.db`` with SQLite's online backup API
    (a consistent snapshot even while the bot writes; WAL content included). Returns the new file."""
    if not db_file.exists():
        raise BackupError(f"没有数据库：{db_file}")
    _make_dir(dest_dir, "备份目录")
    target = dest_dir / f"hazardbot-{_stamp(now)}.db"
    if target.exists():
        raise BackupError(f"{target} 已存在")
    partial = target.with_suffix(".db.partial")
    source = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
            # the copy would inherit WAL mode, and merely opening it (the check below) would leave
            # -wal and -shm files beside it: a backup is one self-contained file
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
    finally:
        source.close()
    _check(partial)
    partial.replace(target)  # never leave a half-written file under the final name
    return target


def _check(db_file: Path) -> None:
    conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        (result,) = conn.execute("PRAGMA integrity_check").fetchone()
        has_schema = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{db_file} 不是 SQLite 数据库：{exc}") from exc
    finally:
        conn.close()
    if result != "ok":
        raise BackupError(f"{db_file} 未通过 SQLite 完整性检查：{result}")
    if not has_schema:
        raise BackupError(f"{db_file} 不是 hazardbot 数据库（没有 alembic_version 表）")


def restore_sqlite(backup_file: Path, db_file: Path, *, force: bool = False, now: datetime | None = None) -> Path | None:
    """Replace ``db_file`` by ``backup_file`` (checked first). Stop the bot before restoring.

    An existing ``db_file`` is kept as ``<name>.before-restore-<timestamp>`` (returned) and is only
    replaced with ``force``; raises ``BackupError`` otherwise, when the backup is damaged, or while a
    serving process (``run``, ``chat``) has the database open: it holds the serving lock
    (``bot.serving_lock``), which the restore takes exclusively so no running bot's writes are lost.
    """
    if not backup_file.is_file():
        raise BackupError(f"没有备份文件：{backup_file}")
    _check(backup_file)
    if db_file.exists() and not force:
        raise BackupError(f"{db_file} 已存在：请先停止机器人，再加 --force 替换它")
    _make_dir(db_file.parent, "数据库目录")
    try:
        with exclusive(db_file):
            return _replace(backup_file, db_file, now)
    except DatabaseInUse as exc:
        raise BackupError(
            f"机器人正在运行（hazardbot run 或 hazardbot chat 正在使用 {db_file}），请先停止再恢复："
            f"服务用 systemctl stop hazardbot，终端对话输入 /quit。（锁文件：{exc.args[0]}）"
        ) from exc


def _replace(backup_file: Path, db_file: Path, now: datetime | None) -> Path | None:
    kept: Path | None = None
    if db_file.exists():
        kept = db_file.with_name(f"{db_file.name}.before-restore-{_stamp(now)}")
        backup_sqlite_to(db_file, kept)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    backup_sqlite_to(backup_file, db_file)
    return kept


def backup_sqlite_to(source_file: Path, target_file: Path) -> None:
    """Online-copy one SQLite file to another path (the target must not be in use)."""
    source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(target_file)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()


@dataclass(frozen=True)
class PgDump:
    """A ``pg_dump`` command line and the environment it needs (the password is never an argument)."""

    args: list[str]
    env: dict[str, str]
    target: Path

    def shell(self) -> str:
        """The command as one line to show the operator, the password written as ``PGPASSWORD=…``."""
        password = "PGPASSWORD=… " if "PGPASSWORD" in self.env else ""
        return password + " ".join(self.args)


def pg_dump_command(database_url: str, dest_dir: Path, now: datetime | None = None) -> PgDump:
    """``pg_dump --format=custom`` of the database at ``database_url`` into ``dest_dir``."""
    url = make_url(database_url)
    target = dest_dir / f"hazardbot-{_stamp(now)}.pgdump"
    args = ["pg_dump", "--format=custom", "--no-owner", f"--file={target}"]
    if url.host:
        args.append(f"--host={url.host}")
    if url.port:
        args.append(f"--port={url.port}")
    if url.username:
        args.append(f"--username={url.username}")
    args.append(url.database or "hazardbot")
    env = {"PGPASSWORD": url.password} if url.password else {}
    return PgDump(args, env, target)


def pg_instructions(dump: PgDump) -> str:
    """What to run by hand where ``pg_dump`` is not installed here (e.g. on the database host)."""
    database = dump.args[-1]
    return "\n".join([
        "本机未安装 pg_dump。请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client），",
        "或在数据库服务器上运行：",
        f"  {dump.shell()}",
        "恢复到一个空数据库：",
        f"  pg_restore --clean --if-exists --no-owner --dbname={database} {dump.target.name}",
        "并同时备份照片目录（rsync -a 照片目录 备份目录/photos/）。",
    ])


def backup_postgres(database_url: str, dest_dir: Path, now: datetime | None = None, pg_dump: str | None = None) -> Path:
    """Run ``pg_dump`` (found on PATH unless given); raises ``BackupError`` with the exact
    instructions when it is not installed, or with its error output when it fails."""
    dump = pg_dump_command(database_url, dest_dir, now)
    executable = pg_dump or shutil.which("pg_dump")
    if executable is None:
        raise BackupError(pg_instructions(dump))
    _make_dir(dest_dir, "备份目录")
    result = subprocess.run(  # noqa: S603  (fixed program, arguments from our own settings)
        [executable, *dump.args[1:]], env={**os.environ, **dump.env}, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        dump.target.unlink(missing_ok=True)
        raise BackupError(f"pg_dump 失败（{result.returncode}）：{result.stderr.strip()}")
    return dump.target
