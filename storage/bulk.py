"""Bulk writes by the driver's executemany (issue 19 item 2: a 92 k-row ledger import, the status's tallies):
SQLAlchemy's per-row parameter handling cost more than the statements themselves."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, DateTime, Table, insert
from sqlalchemy.engine import Connection

#: rows per executemany
BATCH = 5000


def marks(conn: Connection, n: int) -> str:
    """``n`` positional placeholders in the paramstyle of ``conn``'s driver (``$1`` asyncpg, ``?`` sqlite3)."""
    if conn.dialect.name == "postgresql":
        return ", ".join(f"${i}" for i in range(1, n + 1))
    return ", ".join("?" for _ in range(n))


def driver_many(conn: Connection, sql: str, width: int, rows: list[tuple[Any, ...]]) -> None:
    """``sql`` (``{values}`` standing for ``width`` placeholders) run by the driver's executemany, ``BATCH`` rows
    at a time. Dates go to SQLite as ISO text, as its ``Date`` type stores them."""
    if conn.dialect.name != "postgresql":
        rows = [tuple(v.isoformat() if isinstance(v, date) else v for v in r) for r in rows]
    statement = sql.format(values=marks(conn, width))
    for i in range(0, len(rows), BATCH):
        conn.exec_driver_sql(statement, rows[i:i + BATCH])


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """``conn.execute(insert(table), rows)`` with the same values bound, by the driver's executemany: the
    columns named by the first row (every row names the same), each column's bind processing of ``conn``'s
    dialect applied once per distinct date or timestamp (an import's rows share a few thousand days). A
    column with a Python-side default missing from the rows, or another database, takes SQLAlchemy's way."""
    if not rows:
        return
    first = rows[0]
    columns = [c for c in table.columns if c.name in first]
    if conn.dialect.name not in ("sqlite", "postgresql") or any(
            c.name not in first and c.default is not None for c in table.columns):
        conn.execute(insert(table), rows)
        return
    values: list[list[Any]] = []
    for c in columns:
        column = [r[c.name] for r in rows]
        process = c.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        if process is not None:
            if isinstance(getattr(c.type, "impl", c.type), Date | DateTime):  # a TypeDecorator's too
                seen: dict[Any, Any] = {}
                column = [seen[v] if v in seen else seen.setdefault(v, process(v)) for v in column]
            else:
                column = [process(v) for v in column]
        values.append(column)
    sql = f"INSERT INTO {table.name} ({', '.join(c.name for c in columns)}) VALUES ({marks(conn, len(columns))})"
    out = list(zip(*values, strict=True))
    for i in range(0, len(out), BATCH):
        conn.exec_driver_sql(sql, out[i:i + BATCH])

