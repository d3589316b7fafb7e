"""The ``hazardbot`` command, one package: this module parses and dispatches; the subcommands come from the
modules in ``COMMAND_MODULES`` (``serve``: db, invite, run, chat; ``excel``: export, import; ``ops``: backup,
restore; ``reminders``; ``tipoffs``; ``photos``; ``demo``), each with ``register(subparsers)`` adding its parsers with
``set_defaults(func=...)``; ``func(args, settings)`` may be a coroutine function. ``args`` holds the shared
argument types. A subcommand module loads what it needs inside its functions, so ``--help`` stays fast."""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import inspect
import logging
import socket
import sys
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from bot.settings import Settings
from reminders.settings import ReminderSettings

COMMAND_MODULES = ("bot.cli.serve", "bot.cli.excel", "bot.cli.ops", "bot.cli.reminders", "bot.cli.tipoffs", "bot.cli.photos",
                   "bot.cli.demo")
DATABASE_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
DATABASE_FORMS = "SQLite 文件路径、sqlite+aiosqlite:///文件 或 postgresql+asyncpg://用户@主机/数据库"


#: the subcommands whose --help lists ``--data-dir`` (accepted after every subcommand, as before it)
DATA_DIR_HELP = {
    "chat": "data directory, e.g. the one `hazardbot demo` made (default ~/.local/share/hazardbot)",
    "demo": "directory to make the demo in (default: the data directory's name + -demo, "
            "e.g. ~/.local/share/hazardbot-demo)",
}


def build_parser() -> argparse.ArgumentParser:
    """The ``hazardbot`` argument parser: the global ``--db``, ``--data-dir``, ``-v`` and every subcommand the
    ``COMMAND_MODULES`` register (the global options are accepted after a subcommand too)."""
    parser = argparse.ArgumentParser(prog="hazardbot", description="Chaoyang safety hazard campaign bot")
    parser.add_argument("--db", dest="database_url", help="database URL (overrides HAZARDBOT_DATABASE_URL)")
    parser.add_argument("--data-dir", help="data directory (default ~/.local/share/hazardbot)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    for name, command in sub.choices.items():  # also accept the global options after the subcommand
        command.add_argument("--db", dest="database_url", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        # listed where people are told to use it: the demo prints `hazardbot chat --data-dir DIR`
        command.add_argument("--data-dir", default=argparse.SUPPRESS, help=DATA_DIR_HELP.get(name, argparse.SUPPRESS))
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings with the command line's ``--db`` (a plain path is taken as a SQLite file) and ``--data-
    dir`` applied over the environment and config files. Raises pydantic's ``ValidationError``."""
    overrides: dict[str, object] = {}
    if getattr(args, "database_url", None):
        url = args.database_url
        if "://" not in url:  # a plain path means a SQLite file
            url = f"sqlite+aiosqlite:///{url}"
        overrides["database_url"] = url
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = args.data_dir
    return Settings(**overrides)  # type: ignore[arg-type]


def configuration_problem(exc: ValidationError) -> str:
    """One line per bad setting, named as the operator set it (``HAZARDBOT_REMINDERS_CAMPAIGN_YEARS``)."""
    prefix = "HAZARDBOT_REMINDERS_" if exc.title == "ReminderSettings" else "HAZARDBOT_"
    lines = []
    for error in exc.errors():
        name = prefix + "_".join(str(part) for part in error["loc"]).upper()
        lines.append(f"设置有误：{name}={error.get('input')!r}（{error['msg']}）")
    return "\n".join(lines)


def storage_problem(settings: Settings) -> str | None:
    """Why the configured database or data directory cannot be used (a mistyped ``--db`` or
    ``--data-dir``), or ``None``; checked before any command opens them."""
    data_dir = settings.data_dir
    if data_dir.exists() and not data_dir.is_dir():
        return f"数据目录 {data_dir} 是一个文件，不是目录"
    url = settings.effective_database_url
    try:
        parsed = make_url(url)
    except ArgumentError:  # the message would repeat the URL, and with it a password
        return f"不是数据库地址：请给出{DATABASE_FORMS}"
    if parsed.drivername not in DATABASE_DRIVERS:
        return f"不支持的数据库地址 {parsed.drivername}://…：请给出{DATABASE_FORMS}"
    database = parsed.database
    if parsed.drivername.startswith("sqlite") and database and database != ":memory:":
        folder = Path(database).parent
        if folder != data_dir and not folder.is_dir():  # the data directory is created when missing, no other
            return f"SQLite 数据库 {database} 所在的目录 {folder} 不存在"
    return None


def main(argv: list[str] | None = None) -> int:
    """Run the ``hazardbot`` command ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    # Start-up creates hundreds of thousands of objects that live as long as the process (the classes and
    # models of aiogram, SQLAlchemy and this project); the cyclic garbage collector would walk them again and
    # again while they are made: about a tenth of the CPU ``hazardbot run`` spends before its first answer
    # (issue 19 item 5). Paused until the command starts its work; ``run`` resumes it once it serves and has
    # built the rest (``bot.app.finish_start``), at the latest when it returns.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _main(argv)
    finally:
        if collecting:
            gc.enable()


def _main(argv: list[str] | None) -> int:
    from bot.logging_setup import configure_logging

    args = build_parser().parse_args(argv)
    if args.command != "run":
        gc.enable()
    try:
        settings = settings_from(args)
        ReminderSettings()  # checked here so a bad HAZARDBOT_REMINDERS_* is one line, not a traceback; bot.core reads them for use
    except ValidationError as exc:
        print(configuration_problem(exc), file=sys.stderr)
        return 2
    problem = storage_problem(settings)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    # a service (run) logs what it does; interactive and one-shot commands only warnings, so the
    # terminal conversation and printed results are not buried in log lines
    quiet = logging.INFO if args.command == "run" else logging.WARNING
    configure_logging(logging.DEBUG if args.verbose else quiet, settings.log_format, sys.stderr)
    try:
        result = args.func(args, settings)
        if inspect.iscoroutine(result):
            result = asyncio.run(result)
    except (DBAPIError, ConnectionError, socket.gaierror, TimeoutError) as exc:
        if not _is_unreachable(exc):
            raise
        url = make_url(settings.effective_database_url).render_as_string(hide_password=True)
        print(f"无法连接数据库 {url}：{_reason(exc)}", file=sys.stderr)
        return 1
    return int(result or 0)


def _is_unreachable(exc: BaseException) -> bool:
    """A failure to connect (server down, wrong host or port), not an error of a statement."""
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or isinstance(exc.orig, ConnectionError | OSError) or (
            isinstance(exc, OperationalError) and "unable to open database file" in str(exc.orig))
    return True


def _reason(exc: BaseException) -> str:
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    return str(cause).splitlines()[0] if str(cause) else type(cause).__name__


if __name__ == "__main__":
    raise SystemExit(main())
