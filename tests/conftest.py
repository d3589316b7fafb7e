"""Shared fixtures: a migrated database on SQLite and on PostgreSQL for every test that asks for
``database_url`` (or ``uow``), and the whole application wired to a recording Bot API stand-in.

PostgreSQL: ``HAZARDBOT_TEST_PG`` (default ``postgresql+asyncpg://postgres@127.0.0.1:5432/test``).
Each test session creates its own database there and drops it at the end, so parallel runs do not
meet. When the server is unreachable the PostgreSQL half is skipped, except under ``CI=true`` where
it fails the run.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import os
import sqlite3
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.clock import fixed_clock
from bot.local_chat import LocalChat
from bot.local_session import LocalSession
from bot.updates import UpdateFactory
from reminders.sender import DeliverAfterUpdate, Sender
from reminders.settings import ReminderSettings
from storage.db import UowFactory, create_engine, make_uow_factory
from storage.migrate import upgrade_async
from storage.registry import sync_units

PG_ADMIN_URL = os.environ.get("HAZARDBOT_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
SHARED = Path(__file__).resolve().parents[2] / "shared"
PHOTOS = Path(__file__).resolve().parent / "data" / "photos"


def _run_in_thread(coro_factory):  # type: ignore[no-untyped-def]
    """Run a coroutine on a private loop in a worker thread (fixtures may be set up inside a loop)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro_factory()).result()


async def _admin(sql: str) -> None:
    admin = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await admin.dispose()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session; its URL."""
    name = f"hazardbot_{uuid.uuid4().hex[:12]}"
    try:
        _run_in_thread(lambda: _admin(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001  (any connection failure means "no server")
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true but unreachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}")
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        _run_in_thread(lambda: _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head with the unit registry loaded, made once per test session:
    each test gets a copy instead of running every migration again."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    url = f"sqlite+aiosqlite:///{path}"
    _run_in_thread(lambda: upgrade_async(url))
    _run_in_thread(lambda: _load_registry(url))
    return path


async def _load_registry(url: str) -> None:
    engine = create_engine(url)
    try:
        await _sync_registry(engine)
    finally:
        await engine.dispose()


async def _sync_registry(engine: Any) -> None:
    """The unit registry (43 townships, 35 departments) into an empty, migrated database."""
    async with make_uow_factory(engine)() as u:
        await sync_units(u.session)
        await u.commit()


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's backup API (a plain file copy could miss the WAL)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


@pytest.fixture
def at_head(sqlite_template: Path) -> Callable[[Path], Path]:
    """``at_head(directory)``: ``directory`` (made if missing) holding ``hazardbot.db`` as a command leaves it
    after its first start (migrated to head, units loaded), copied from the session's template. For command-line
    tests about something else than that first start, which costs about a second of migrating each time
    (benchmarks/RESULTS-suite.md, session 9); the first start itself is proven by ``test_fresh_install``,
    ``test_migrate_heads`` and the ``db upgrade`` tests."""

    def make(directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        _copy_sqlite(sqlite_template, directory / "hazardbot.db")
        return directory

    return make


@functools.cache
def _head_revisions() -> frozenset[str]:
    # what ``alembic_version`` holds at heads: not ``ScriptDirectory.get_heads()``, which also names 0010 (0110
    # ``depends_on`` it, so Alembic records no row for it) and so never matched, migrating before every test
    from storage.migrate import packaged_heads

    return packaged_heads()


async def _at_head(conn: Any) -> bool:
    try:
        rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
    except Exception:  # noqa: BLE001  (no version table yet: a new database)
        return False
    return frozenset(rows) == _head_revisions()


async def _empty_pg(conn: Any) -> None:
    """Delete every row a test left and restart every sequence, as ``TRUNCATE … RESTART IDENTITY`` would.

    A TRUNCATE of all 34 tables costs about 300 ms here (a new file for every table and index), about
    as much as ``CREATE DATABASE … TEMPLATE``; deleting from the few tables that have rows costs about
    15 ms (benchmarks/RESULTS-suite.md). Foreign keys are not checked while deleting
    (``session_replication_role = replica``, which needs a superuser such as the default ``postgres``):
    every table that has rows is emptied, so none is left pointing at a deleted row."""
    tables = (await conn.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"
    ))).scalars().all()
    if not tables:
        return
    nonempty = (await conn.execute(text(" UNION ALL ".join(
        f"SELECT '{t}' FROM (SELECT 1 FROM \"{t}\" LIMIT 1) AS one" for t in tables
    )))).scalars().all()
    await conn.execute(text("SET LOCAL session_replication_role = replica"))
    for table in nonempty:
        await conn.execute(text(f'DELETE FROM "{table}"'))
    await conn.execute(text(
        "SELECT setval(s.seqrelid::regclass, s.seqstart, false) FROM pg_sequence s"
        " JOIN pg_class c ON c.oid = s.seqrelid WHERE c.relnamespace = 'public'::regnamespace"
    ))


@pytest.hookimpl(tryfirst=True)  # before pytest's own, which read the marks this one adds
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A module marked ``sqlite_only`` takes ``database_url`` on SQLite alone.

    A test runs on both databases when what it checks goes through SQL the two may answer differently: queries,
    counts, locks, races, transitions, imports, the outbox, migrations. A test of the conversation's words,
    buttons, photos, files and refusals, whose SQL is the form step's own (run on both by the tests of the forms
    and the life cycle), is marked ``sqlite_only``: its PostgreSQL run checked nothing more and cost the suite
    about a minute and a half (benchmarks/RESULTS-suite.md)."""
    own = any("database_url" in str(mark.args[0]) for mark in metafunc.definition.iter_markers("parametrize"))
    if "database_url" in metafunc.fixturenames and metafunc.definition.get_closest_marker("sqlite_only") and not own:
        # as a mark, not ``metafunc.parametrize``: the fixture's own params then give way to it, as to a test's
        # ``@pytest.mark.parametrize("database_url", …)``
        metafunc.definition.add_marker(pytest.mark.parametrize("database_url", ["sqlite"], indirect=True))


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated, empty database with the unit registry loaded; SQLite and PostgreSQL in turn.

    SQLite: a copy of the session's migrated template. PostgreSQL: the session's database, migrated
    when it is not at head (a migration test may have left it lower), emptied (``_empty_pg``) and the
    registry loaded."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        _copy_sqlite(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    url = request.getfixturevalue("pg_database")
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            current = await _at_head(conn)
        if not current:
            await upgrade_async(url)
        async with engine.begin() as conn:
            await _empty_pg(conn)
        await _sync_registry(engine)
    finally:
        await engine.dispose()
    yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[object]:
    eng = create_engine(database_url)
    yield eng
    await eng.dispose()


@pytest.fixture
def uow(engine: object) -> UowFactory:
    return make_uow_factory(engine)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def photos_dir() -> Iterator[Path]:
    """Real camera and phone photos (copied from shared/data/photos; EXIF orientations, GPS, 8 MP)."""
    yield PHOTOS


@dataclass
class Harness:
    """The whole application on a test database, talking to a recording Bot API stand-in. ``deliver`` sends what
    the outbox holds (the notices of committed changes) as the sender of ``hazardbot run`` would, without its
    pacing; every chat calls it after each of its updates."""

    core: Any
    dp: Any
    bot: Any
    session: LocalSession
    factory: UpdateFactory
    deliver: Any = None

    def chat(self, user_id: int, name: str = "测试用户", language: str | None = "zh-hans") -> LocalChat:
        return LocalChat(self.dp, self.bot, self.session, self.factory, UpdateFactory.user(user_id, name, language),
                         after_update=self.deliver)

    async def bind(self, user_id: int, role: str, unit: str, name: str = "测试用户") -> LocalChat:
        """A chat of a user bound to ``role`` at ``unit`` through a real invite code and /bind."""
        from bot.domain import Role

        issued = await self.core.services.invites.issue(Role(role), unit, issuer=None)
        chat = self.chat(user_id, name)
        await chat.say(f"/bind {issued.code}")
        assert "已绑定" in chat.last_text(), chat.last_text()
        return chat


@asynccontextmanager
async def open_harness(
    database_url: str, tmp_path: Path, clock: Any = None, *, stored_state: bool = False, **settings: Any
) -> AsyncIterator[Harness]:
    """``stored_state``: conversation state in the database (``SqlStorage``, as the run modes keep
    it without Redis) instead of aiogram's ``MemoryStorage``; ``settings``: any other ``Settings``."""
    from bot.app import build_bot, build_dispatcher
    from bot.core import open_core
    from bot.settings import Settings
    from storage.fsm_storage import SqlStorage

    config = Settings(database_url=database_url, data_dir=tmp_path / "data", admin_ids=[], **settings)
    async with open_core(config, clock=clock, migrate=False) as core:
        session = LocalSession()
        bot = build_bot(config, session)
        storage = SqlStorage(core.engine) if stored_state else None
        sender = Sender(bot, core.uow, UNPACED, config.tz, core.clock, notices_only=True)
        yield Harness(core, build_dispatcher(core, storage), bot, session, UpdateFactory(),
                      DeliverAfterUpdate(sender, core.engine))


TODAY = datetime(2018, 10, 15, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
# the sender's pacing is measured in benchmarks/ and tested in tests/reminders/test_sender.py; here it would
# only make the conversations wait
UNPACED = ReminderSettings(global_rate=1e6, window_limit=10**6, per_chat_interval=0.0)


@pytest.fixture
async def harness(database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    """The application with the clock frozen at 2018-10-15 09:30 Asia/Shanghai."""
    async with open_harness(database_url, tmp_path, clock=fixed_clock(TODAY)) as h:
        yield h


class FailureLog(logging.Handler):
    """Every ERROR record of ``hazardbot`` and ``aiogram``: a failure that reached the errors router
    (``handlers.errors`` logs each one) or one aiogram logged itself."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self) -> list[str]:
        return [r.getMessage() for r in self.records]


@pytest.fixture
def failures() -> Iterator[FailureLog]:
    """The failures logged while the test runs (see ``FailureLog``)."""
    handler = FailureLog()
    loggers = [logging.getLogger("hazardbot"), logging.getLogger("aiogram")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


@pytest.fixture
def cut_downloads(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """``cut(n)``: the next ``n`` downloads break off after their first chunk, as a connection does."""
    import aiohttp

    from handlers import media

    monkeypatch.setattr(media, "BACKOFF", (0.0, 0.0))
    session = harness.session
    real = session.stream_content
    remaining = [0]

    async def stream(*args: Any, **kwargs: Any) -> AsyncGenerator[bytes, None]:
        broken = remaining[0] > 0
        remaining[0] -= 1
        async for chunk in real(*args, **{**kwargs, "chunk_size": 1024}):
            yield chunk
            if broken:
                raise aiohttp.ClientPayloadError("Response payload is not completed")

    monkeypatch.setattr(session, "stream_content", stream)
    return lambda n: remaining.__setitem__(0, n)
