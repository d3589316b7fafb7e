"""The layers import downwards only: ``storage`` (tables, migrations, readers and writers of bytes) knows
nothing of ``bot`` (use cases, channels), so the use cases can change without touching the storage and a
storage module can be read on its own; and no modules import each other, directly or round a longer circle.
Checked on the source: every import statement, also inside functions and ``TYPE_CHECKING`` blocks.

Channel-free at the seam (issue 18, ``docs/channels.md``): outside ``handlers/``, the Telegram run modes listed in
``TELEGRAM_RUN_MODES`` and the outbox's Telegram adapter (``reminders/sender.py``), no module of ``bot/``,
``reminders/`` or ``storage/`` imports aiogram or names a Telegram chat, file or user id (``TELEGRAM_TOKENS``):
services see ``bot.channels.ChannelAddress`` and ``MediaRef``, so a second channel adds an adapter and a renderer
and touches no service."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "storage", "reminders", "config")


def package_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])


def imported_modules(source: str, package: str) -> set[str]:
    """Every module named by an ``import`` or ``from … import`` in ``source``, a module of ``package``
    (relative imports resolved)."""
    tree = ast.parse(source)
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names)  # ``from pkg import module``
    return out


def module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module → the project modules it imports (the migrations left out: Alembic loads them by path)."""
    paths = {module_of(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py") if "migrations" not in p.parts}
    graph = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        graph[name] = {m for m in imported_modules(path.read_text(encoding="utf-8"), package) if m in paths} - {name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while (w := stack.pop()) != v:
                group.append(w)
            if group:
                out.append(sorted([*group, v]))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_storage_module_imports_bot() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path.read_text(encoding="utf-8"), package_of(path))
            if m == "bot" or m.startswith("bot.")
        )
        for path in sorted((ROOT / "storage").rglob("*.py"))
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_modules_import_each_other() -> None:
    assert circles(import_graph()) == []


def test_the_circle_finder_finds_a_long_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert circles(graph) == [["a", "b", "c"]]


def test_the_check_sees_imports_inside_functions_and_relative_ones() -> None:
    source = "def f():\n    from bot.core import open_core\n    import bot.settings\nfrom ..services import x\n"
    assert imported_modules(source, "bot.forms") == {
        "bot.core", "bot.core.open_core", "bot.settings", "bot.services", "bot.services.x"}


# ---- channel-free at the seam (issue 18; docs/channels.md) ------------------------------------------------------

#: the modules of ``bot/`` (and one of ``storage/``) that run the bot on Telegram (and may import aiogram and name its ids); they stay where
#: they are for now, the list makes the rule explicit
TELEGRAM_RUN_MODES = frozenset({
    "bot.app", "bot.callback_answers", "bot.concurrency", "bot.dedup", "bot.i18n_telegram", "bot.local_chat",
    "bot.local_session", "bot.logging_setup", "bot.middlewares", "bot.polling", "bot.reply_retry",
    "bot.inline_filters", "bot.route_skip", "bot.shared_state", "bot.terminal", "bot.throttle", "bot.update_middleware", "bot.updates",
    "bot.webhook", "bot.cli.reminders",
    "storage.fsm_storage",  # aiogram's FSM storage kept in the database (a run mode's, though it lives in storage)
})
#: the outbox's Telegram adapter: turns a ``ChannelAddress`` into a chat id
TELEGRAM_ADAPTERS = frozenset({"reminders.sender"})
#: a Telegram chat id, file id or user id by name
TELEGRAM_TOKENS = frozenset({"telegram_id", "telegram_file_id", "telegram_file_unique_id", "chat_id"})
#: a messenger's file id by any other name (``file_id``, ``document_file_id``, ``photo_file_ids``…): a file received
#: is fetched by the adapter and kept in the project's store (issue 18), so no column or field outside the adapter
#: holds one
FILE_ID = re.compile(r"(^|_)file_(unique_)?ids?$")


def _telegram_name(name: str | None) -> bool:
    return name is not None and (name in TELEGRAM_TOKENS or FILE_ID.search(name) is not None)


def telegram_knowledge(source: str, package: str) -> list[str]:
    """What in ``source`` knows Telegram: aiogram imported, or a Telegram id named (``TELEGRAM_TOKENS``, or any
    ``*_file_id`` / ``file_ids``: ``FILE_ID``) — as a name, attribute, argument, keyword, definition, import alias,
    a class's column or field, or a string that is exactly the name (a dict key, a column); prose in docstrings
    and comments does not count."""
    found = sorted(m for m in imported_modules(source, package) if m == "aiogram" or m.startswith("aiogram."))
    for node in ast.walk(ast.parse(source)):
        names: list[str | None] = []
        if isinstance(node, ast.Name):
            names = [node.id]
        elif isinstance(node, ast.Attribute):
            names = [node.attr]
        elif isinstance(node, ast.arg | ast.keyword):
            names = [node.arg]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names = [node.name]
        elif isinstance(node, ast.alias):
            names = [node.name.rpartition(".")[2], node.asname]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value]
        found += [f"{name} (line {getattr(node, 'lineno', '?')})" for name in names if _telegram_name(name)]
    return found


def channel_free_modules() -> dict[str, Path]:
    """Every module that must not know Telegram: ``bot/`` but its run modes, ``reminders/`` but the sender,
    ``storage/`` but the Alembic revisions (they name the columns they change)."""
    out = {}
    for pkg in ("bot", "reminders", "storage"):
        for path in (ROOT / pkg).rglob("*.py"):
            name = module_of(path)
            if "versions" in path.parts or name in TELEGRAM_RUN_MODES or name in TELEGRAM_ADAPTERS:
                continue
            out[name] = path
    return out


def test_services_reminders_and_storage_know_no_telegram() -> None:
    offenders = {}
    for name, path in sorted(channel_free_modules().items()):
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        if found := telegram_knowledge(path.read_text(encoding="utf-8"), package):
            offenders[name] = found
    assert offenders == {}


def test_the_listed_telegram_modules_exist() -> None:
    listed = TELEGRAM_RUN_MODES | TELEGRAM_ADAPTERS
    assert {m for m in listed if not (ROOT / (m.replace(".", "/") + ".py")).is_file()} == set()
    assert "bot.services.notices" in channel_free_modules() and "storage.models" in channel_free_modules()


def test_the_telegram_check_sees_ids_and_aiogram_but_not_prose() -> None:
    source = (
        '"""Sends to a chat_id."""\n'
        "from aiogram.types import Message\n"
        "def f(chat_id):\n    return row.telegram_file_id, {'chat_id': 1}, User(telegram_id=2)\n"
        "x = 1  # chat_id in a comment\n"
    )
    assert telegram_knowledge(source, "bot.services") == [
        "aiogram.types", "aiogram.types.Message",
        "chat_id (line 3)", "telegram_file_id (line 4)", "chat_id (line 4)", "telegram_id (line 4)"]
    assert telegram_knowledge('"""chat_id and telegram_id in prose."""\nchat = address\n', "reminders") == []


def test_a_file_id_column_or_field_by_any_name_is_telegram_knowledge() -> None:
    source = (
        "class Rectification(SQLModel, table=True):\n"
        "    document_file_id: str | None = Field(default=None, max_length=256)\n"
        "@dataclass\nclass DocumentAnswer:\n    file_id: str\n"
        "rows = sa.column('photo_file_ids', sa.JSON)\n"
        "x = row.document_key, profile_id, file_identity\n"
    )
    assert telegram_knowledge(source, "storage") == [
        "document_file_id (line 2)", "file_id (line 5)", "photo_file_ids (line 6)"]
