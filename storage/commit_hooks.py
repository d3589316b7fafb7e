"""Code that must run once a transaction has really ended, and knowing which tables it wrote.

SQLAlchemy's ``commit`` and ``rollback`` connection events fire before the database has finished;
something that must not run earlier (giving SQLite's write turn to the next connection, dropping
cached facts that another task could otherwise re-read from before the commit) hooks the engine's
dialect here instead.

Library internals (issue 18): this replaces ``do_commit``/``do_rollback`` on the engine's dialect
instance, which SQLAlchemy documents for dialect authors, not for applications. No benchmark is behind
it; it is kept for correctness: the SQLite writer turn (``storage/sqlite_writers.py``, benchmarked)
must not pass on before the COMMIT is done, and the actor cache (``bot/services/actor_cache.py``) and
the notice sender (``reminders/sender.py``) must not act on a commit that has not happened yet.
``tests/test_sqlite_writers.py`` and ``tests/test_actor_cache.py`` fail if an upgrade changes when
these methods are called.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

#: ``hook(dbapi_connection, committed)``: called after each COMMIT (``True``) or ROLLBACK (``False``);
#: ``None`` when a COMMIT raised (cancelled or failed on the way back: the database may have committed)
EndHook = Callable[[Any, bool | None], None]
_WRITING = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def after_transaction(engine: AsyncEngine, hook: EndHook) -> None:
    """Call ``hook`` after every commit or rollback on ``engine``'s connections has completed, also
    when it raised (a commit then with ``committed=None``); ``dbapi_connection`` is the pool's raw connection."""
    dialect = engine.sync_engine.dialect
    hooks: list[EndHook] | None = dialect.__dict__.get("_after_transaction_hooks")
    if hooks is None:
        hooks = []
        dialect._after_transaction_hooks = hooks  # type: ignore[attr-defined]
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def _ended(connection: Any, committed: bool | None) -> None:
            raw = getattr(connection, "dbapi_connection", connection)
            for each in list(hooks):
                each(raw, committed)

        def do_commit(connection: Any) -> None:
            done: bool | None = None
            try:
                commit(connection)
                done = True
            finally:
                _ended(connection, done)

        def do_rollback(connection: Any) -> None:
            try:
                rollback(connection)
            finally:
                _ended(connection, False)

        dialect.do_commit = do_commit  # type: ignore[method-assign]
        dialect.do_rollback = do_rollback  # type: ignore[method-assign]
    hooks.append(hook)


def after_commit_writing(engine: AsyncEngine, table: str, callback: Callable[[], None],
                         verbs: tuple[str, ...] = _WRITING) -> None:
    """Call ``callback()`` after each committed transaction that inserted, updated or deleted rows of
    ``table`` (``verbs``: only statements starting so; found in the statements' text: ORM, Core and raw SQL
    alike), and after a commit of such a transaction that raised, since it may have committed all the same."""
    pending: set[int] = set()  # ids of raw connections whose open transaction wrote the table
    marker = table.lower()

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _note(conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool) -> None:
        head = statement.lstrip()[:7].upper()
        if head.startswith(verbs) and marker in statement.lower():
            pending.add(id(conn.connection.dbapi_connection))

    def _ended(raw: Any, committed: bool | None) -> None:
        if id(raw) in pending:
            pending.discard(id(raw))
            if committed is not False:
                callback()

    after_transaction(engine, _ended)
