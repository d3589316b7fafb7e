"""``hazardbot backup`` and ``hazardbot restore``: an online SQLite copy that restores to the state
at backup time; ``pg_dump`` for PostgreSQL, or exact instructions where it is missing."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import ExitStack, closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.backup import BackupError, backup_postgres, backup_sqlite, pg_dump_command, restore_sqlite
from bot.cli import main as cli_main
from bot.core import open_core
from bot.domain import Role
from bot.serving_lock import DatabaseInUse, exclusive
from bot.settings import Settings
from storage.models import InviteCode

NOW = datetime(2026, 11, 29, 12, 0, 5, tzinfo=UTC)


async def _invites(settings: Settings) -> int:
    async with open_core(settings) as core, core.uow() as u:
        return (await u.session.exec(select(func.count()).select_from(InviteCode))).one()


async def _issue(settings: Settings, n: int) -> None:
    async with open_core(settings) as core:
        for _ in range(n):
            await core.services.invites.issue(Role.INSPECTOR, "110105001", issuer=None)


async def test_backup_while_open_then_restore_brings_back_that_state(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "data" / "hazardbot.db"
    settings = Settings(data_dir=tmp_path / "data")
    await _issue(settings, 3)
    async with open_core(settings) as core:  # the bot is running: the WAL holds recent commits
        await core.services.invites.issue(Role.INSPECTOR, "110105001", issuer=None)
        assert Path(f"{db}-wal").exists()
        assert cli_main(["--data-dir", str(tmp_path / "data"), "backup", "--to", str(tmp_path / "bk")]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    made = Path(printed[-1])  # the backup file is the last line: scripts read it
    assert printed[0].startswith("照片以文件保存，不在数据库备份中：请同时复制 "), printed
    assert made.parent == tmp_path / "bk" and made.name.startswith("hazardbot-") and made.suffix == ".db"
    await _issue(settings, 2)
    assert await _invites(settings) == 6

    assert cli_main(["--data-dir", str(tmp_path / "data"), "restore", str(made)]) == 1  # refuses without --force
    assert "已存在：请先停止机器人，再加 --force 替换它" in capsys.readouterr().err
    assert cli_main(["--data-dir", str(tmp_path / "data"), "restore", str(made), "--force"]) == 0
    out = capsys.readouterr().out
    assert "原数据库已另存为" in out and f"已将 {made} 恢复到 " in out
    assert await _invites(settings) == 4
    kept = next((tmp_path / "data").glob("hazardbot.db.before-restore-*"))
    with closing(sqlite3.connect(kept)) as conn:
        assert conn.execute("SELECT count(*) FROM invite_code").fetchone()[0] == 6


def test_backups_are_timestamped_and_never_overwritten(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")  # as the bot keeps it
    conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
    conn.commit()
    conn.close()
    first = backup_sqlite(db, tmp_path / "bk", now=NOW)
    assert first.name == "hazardbot-20261129T120005Z.db"
    with pytest.raises(BackupError):
        backup_sqlite(db, tmp_path / "bk", now=NOW)
    assert [p.name for p in (tmp_path / "bk").iterdir()] == [first.name]  # one file: no -wal, -shm or partial


def test_restore_refuses_a_file_that_is_not_a_hazardbot_database(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError, match="不是 SQLite 数据库"):
        restore_sqlite(junk, tmp_path / "target.db")
    other = tmp_path / "other.db"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
    with pytest.raises(BackupError, match="不是 hazardbot 数据库"):
        restore_sqlite(other, tmp_path / "target.db")
    assert not (tmp_path / "target.db").exists()


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump not installed (instructions are tested below)")
async def test_pg_dump_backup_of_postgresql(pg_database: str, tmp_path: Path) -> None:
    settings = Settings(database_url=pg_database, data_dir=tmp_path / "data")
    await _issue(settings, 1)
    dump = backup_postgres(pg_database, tmp_path / "bk", now=NOW)
    listing = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True, check=True).stdout
    assert "TABLE DATA public invite_code" in listing and "processed_update" in listing


def test_without_pg_dump_the_exact_commands_are_printed_without_the_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    url = "postgresql+asyncpg://hazard:s3cret@db.internal:5433/ledger"
    with pytest.raises(BackupError) as caught:
        backup_postgres(url, tmp_path, now=NOW)
    text = str(caught.value)
    assert "PGPASSWORD=… pg_dump --format=custom --no-owner" in text
    assert "--host=db.internal --port=5433 --username=hazard ledger" in text
    assert "pg_restore --clean --if-exists --no-owner --dbname=ledger hazardbot-20261129T120005Z.pgdump" in text
    assert "s3cret" not in text
    assert pg_dump_command(url, tmp_path).env == {"PGPASSWORD": "s3cret"}


def _serving_process(data_dir: Path, *command: str) -> tuple[subprocess.Popen[str], str]:
    """``hazardbot --data-dir DATA_DIR COMMAND…`` in a process of its own, stdin a pipe kept open; returns it and
    its first line, once printed (for ``chat`` the banner, after it took the serving lock and opened the database)."""
    env = {k: v for k, v in os.environ.items() if k != "HAZARDBOT_DATABASE_URL"} | {"PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))",
         "--data-dir", str(data_dir), *command],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    first = proc.stdout.readline()
    assert first, proc.communicate(timeout=60)[1]
    return proc, first


HOLD_LIKE_RUN = """
import sys
from bot.serving_lock import serving
with serving(sys.argv[1]):
    print("serving", flush=True)
    sys.stdin.read()
"""


async def test_restore_is_refused_while_a_bot_process_serves_and_accepted_once_it_ended(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    settings = Settings(data_dir=data)
    await _issue(settings, 1)
    made = backup_sqlite(data / "hazardbot.db", tmp_path / "bk")
    await _issue(settings, 1)  # after the backup: the state a restore would roll back
    restore = ["--data-dir", str(data), "restore", str(made), "--force"]

    url = settings.effective_database_url
    with subprocess.Popen(  # noqa: S603  (holds the lock as `run` does, until its stdin closes or it is killed)
            [sys.executable, "-c", HOLD_LIKE_RUN, url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline() == "serving\n"
            chat, banner = _serving_process(data, "chat")  # a second serving process shares the lock
            with chat:
                assert banner.startswith("本地对话模式")
                assert cli_main(restore) == 1
                err = capsys.readouterr().err
                assert "机器人正在运行" in err and "请先停止再恢复" in err and "systemctl stop hazardbot" in err
                assert await _invites(settings) == 2  # nothing replaced, nothing kept aside
                assert not list(data.glob("hazardbot.db.before-restore-*"))
                chat.communicate("/quit\n", timeout=60)  # the terminal chat ends; `run` still holds the lock
                assert chat.returncode == 0
            assert cli_main(restore) == 1
            assert "机器人正在运行" in capsys.readouterr().err
        finally:
            holder.kill()  # SIGKILL: a crashed bot leaves no stale lock
    assert cli_main(restore) == 0
    assert "原数据库已另存为" in capsys.readouterr().out
    assert await _invites(settings) == 1


@pytest.mark.parametrize("webhook", [False, True])
async def test_run_holds_the_serving_lock_while_it_polls_or_serves_the_webhook(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, webhook: bool) -> None:
    import bot.polling
    import bot.webhook

    db = tmp_path / "data" / "hazardbot.db"
    seen: list[str] = []

    async def serve(*args: object) -> None:  # stands in for the Bot API loop: is a restore refused meanwhile?
        with pytest.raises(DatabaseInUse), exclusive(db):
            pass
        seen.append("refused")

    monkeypatch.setenv("HAZARDBOT_TOKEN", "123456:ABC")
    monkeypatch.setattr(bot.webhook if webhook else bot.polling, "run_webhook" if webhook else "run_polling", serve)
    extra = ["--webhook", "https://bot.example.org/hook"] if webhook else []
    assert await asyncio.to_thread(cli_main, ["--data-dir", str(tmp_path / "data"), "run", *extra]) == 0
    assert seen == ["refused"]
    with exclusive(db):  # released when run returned
        pass


def test_a_bot_started_during_a_restore_waits_for_it_then_serves(tmp_path: Path) -> None:
    db = tmp_path / "hazardbot.db"
    with ExitStack() as restoring:
        restoring.enter_context(exclusive(db))
        bot = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", HOLD_LIKE_RUN, f"sqlite+aiosqlite:///{db}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert bot.stderr is not None  # (a bot that did not wait would serve, stop and close stderr: "" here)
        assert "a restore of" in bot.stderr.readline()  # it waits, serving nothing yet
    out, _ = bot.communicate(timeout=60)  # the restore ended: it takes the lock, serves, stops (no input)
    assert out == "serving\n" and bot.returncode == 0
