"""Counting freshly inserted hazards for the status's tallies in SQL (issue 19 item 2: the ledger import).

``storage.tally.refresh`` reads every hazard into Python, builds its ``Facts`` and its counter keys one by one;
for the tens of thousands of hazards of a 附件2 import that was a tenth of the import's CPU. Hazards that no
tally holds yet, that nothing links to (no 核查 inspection, no office verification: ``verified_on`` is empty)
and whose instants lie where Asia/Shanghai is a fixed UTC+8 need no old contributions taken back: their counters
are one ``INSERT … SELECT … GROUP BY`` (the keys of ``storage.tally.contributions``, in SQL) and their facts rows
one ``INSERT … SELECT``. Any other hazard among them goes through ``refresh`` as before, first; the statements
then skip it (it has a facts row by then).

The calendar date of an instant is ``date(at, '+8 hours')`` on SQLite and ``CAST(at + INTERVAL '8 hours' AS
DATE)`` on PostgreSQL (timestamps are naive UTC, ``storage.types.UTCDateTime``): exact for ``TALLY_ZONE``
Asia/Shanghai from ``FIXED_SINCE`` on (its last summer time ended 1991-09-14; tests/test_status_tally.py checks
the zone database agrees). The counters' keys go in the order ``storage.tally.bump`` sorts them (``COLLATE "C"``
is Python's string order), so an import and a concurrent write never wait on each other crosswise.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tally import MAJOR, OPEN, TALLY_ZONE, ZONE_KIND, refresh

#: from this instant on ``TALLY_ZONE`` is UTC+8 without summer time
FIXED_SINCE = datetime(1992, 1, 1, tzinfo=UTC)
OFFSET_HOURS = 8
SQL_ZONE = "Asia/Shanghai"
#: ids per statement (one bound parameter: a JSON array on SQLite, an array on PostgreSQL)
BATCH = 50_000


def _dialect(conn: Connection) -> dict[str, str]:
    if conn.dialect.name == "postgresql":
        return {
            "ids": "= ANY(CAST($1 AS INTEGER[]))",
            "early": f"TIMESTAMP '{FIXED_SINCE:%Y-%m-%d}'",
            "no_day": "DATE '1970-01-01'",
            "c": ' COLLATE "C"',
            "scopes": "string_agg(CAST(scope AS TEXT), ',' ORDER BY scope)",
        }
    return {
        "ids": "IN (SELECT value FROM json_each(?))",
        "early": f"'{FIXED_SINCE:%Y-%m-%d}'",
        "no_day": "'1970-01-01'",
        "c": "",
        "scopes": "group_concat(scope, ',')",  # fed in (hid, scope) order below
    }


def _local(conn: Connection, column: str) -> str:
    if conn.dialect.name == "postgresql":
        return f"CAST({column} + INTERVAL '{OFFSET_HOURS} hours' AS DATE)"
    return f"date({column}, '+{OFFSET_HOURS} hours')"


def _dated(conn: Connection, day: str) -> str:
    """``day`` at the grain ``g.grain`` (``StatusTally``: ``y`` the year's 1 January, ``m`` the month's 1st)."""
    return f"CASE g.grain WHEN 'y' THEN {_start(conn, 'year', day)} ELSE {_start(conn, 'month', day)} END"


def _start(conn: Connection, unit: str, day: str) -> str:
    """The first day of ``day``'s ``unit`` (``year`` or ``month``), as a date."""
    if conn.dialect.name == "postgresql":
        return f"CAST(date_trunc('{unit}', {day}) AS DATE)"
    return f"date({day}, 'start of {unit}')"


PLACE = "unit_id, tc, dd, cd, zid"


def _new_hazards(conn: Connection) -> str:
    """The CTEs ``n`` (the hazards among the ids that no tally holds, with their days in ``TALLY_ZONE`` and their
    place: the recording unit, the township, the two departments and the zone, NULL as '' or 0), ``pl`` their
    distinct places (a few dozen in a township's ledger) and ``ps`` each place's scopes
    (``storage.tally._Units.scopes`` as joins on ``unit``)."""
    d = _dialect(conn)
    return f"""
WITH n AS (
  SELECT h.id, h.unit_id, COALESCE(h.township_code, '') AS tc, COALESCE(h.district_department, '') AS dd,
         COALESCE(h.city_department, '') AS cd, COALESCE(h.zone_id, 0) AS zid,
         h.state, COALESCE(h.level = '{MAJOR}', FALSE) AS major, h.deadline,
         {_local(conn, 'h.created_at')} AS created_on, {_local(conn, 'h.registered_at')} AS registered_on,
         CASE WHEN h.state = 'closed' THEN {_local(conn, 'h.closed_at')} END AS closed_on, h.category, h.township
  FROM hazard h
  WHERE h.id {d['ids']} AND NOT EXISTS (SELECT 1 FROM hazard_tally t WHERE t.hazard_id = h.id)
), pl AS (SELECT DISTINCT {PLACE} FROM n
), ps AS (
  SELECT {PLACE}, unit_id AS scope FROM pl
  UNION SELECT {_on('pl')}, u.id FROM pl JOIN unit u ON u.is_township AND u.code = pl.tc
  UNION SELECT {_on('pl')}, u.id FROM pl JOIN unit u
    ON NOT u.is_township AND u.kind <> '{ZONE_KIND}' AND u.name <> '' AND (u.name = pl.dd OR u.name = pl.cd)
  UNION SELECT {_on('pl')}, u.id FROM pl JOIN unit u ON NOT u.is_township AND u.kind = '{ZONE_KIND}' AND u.id = pl.zid
)"""


def _on(table: str) -> str:
    return ", ".join(f"{table}.{c}" for c in PLACE.split(", "))


def _same_place(a: str, b: str) -> str:
    return " AND ".join(f"{a}.{c} = {b}.{c}" for c in PLACE.split(", "))


def _counters_sql(conn: Connection) -> str:
    """The counters of ``storage.tally.contributions`` for the hazards of ``_new_hazards`` (``verified_on``
    empty): counted per place and day first (``k``), then per scope (``x``, the district's closures keyed by the
    recording unit), then rolled up from the days to the months and years, and added to ``status_tally``."""
    d = _dialect(conn)
    c = d["c"]
    is_open = ", ".join(f"'{state}'" for state in OPEN)
    before = f"CASE WHEN registered_on < {_start(conn, 'year', 'closed_on')} THEN 'before' ELSE '' END"
    kinds = [  # (kind, grain, day, a, b, where)
        ("state", "-", d["no_day"], "state", "CASE WHEN major THEN 'major' ELSE '' END", "TRUE"),
        ("deadline", "d", "deadline", "''", "''", "state = 'registered' AND deadline IS NOT NULL"),
        ("created", "d", "created_on", "''", "''", "created_on IS NOT NULL"),
        ("registered", "d", "registered_on", "CASE WHEN state = 'closed' THEN 'closed' ELSE '' END", "''",
         "registered_on IS NOT NULL"),
        ("closed", "d", "closed_on", before, "''", "closed_on IS NOT NULL"),
        ("open", "-", d["no_day"], "category", "township", f"state IN ({is_open})"),
    ]
    k = "\n  UNION ALL ".join(
        f"SELECT {PLACE}, '{kind}' AS kind, '{grain}' AS grain, {day} AS day, {a} AS a, {b} AS b, count(*) AS n "
        f"FROM n WHERE {where} GROUP BY 1, 2, 3, 4, 5, 8, 9, 10" for kind, grain, day, a, b, where in kinds)
    return f"""{_new_hazards(conn)},
k AS (
  {k}
), sc AS (
  SELECT {PLACE}, 0 AS scope, CAST(unit_id AS TEXT) AS recorder FROM pl UNION ALL SELECT {PLACE}, scope, '' FROM ps
), x AS (
  SELECT sc.scope, k.kind, k.grain, k.day, k.a, CASE WHEN k.kind = 'closed' THEN sc.recorder ELSE k.b END AS b, k.n
  FROM k JOIN sc ON {_same_place('k', 'sc')}
), g AS (SELECT 'y' AS grain UNION ALL SELECT 'm'
), t AS (
  SELECT scope, kind, grain, day, a, b, n FROM x
  UNION ALL SELECT x.scope, x.kind, g.grain, {_dated(conn, 'x.day')}, x.a, x.b, x.n
  FROM x CROSS JOIN g WHERE x.grain = 'd' AND x.kind <> 'created'
)
INSERT INTO status_tally (scope_id, kind, grain, day, a, b, n)
SELECT scope, kind, grain, day, a, b, sum(n) FROM t WHERE TRUE
GROUP BY scope, kind, grain, day, a, b ORDER BY scope, kind{c}, grain{c}, day, a{c}, b{c}
ON CONFLICT (scope_id, kind, grain, day, a, b) DO UPDATE SET n = status_tally.n + excluded.n"""


def _facts_sql(conn: Connection) -> str:
    """The facts rows (``storage.tally.Facts``) of the hazards of ``_new_hazards``, scopes ascending."""
    return f"""{_new_hazards(conn)}
INSERT INTO hazard_tally (hazard_id, unit_id, scopes, state, major, deadline, created_on, registered_on, closed_on,
                          verified_on, category, township)
SELECT n.id, n.unit_id, st.scopes, n.state, n.major, n.deadline, n.created_on, n.registered_on, n.closed_on, NULL,
       n.category, n.township
FROM n JOIN (SELECT {PLACE}, {_dialect(conn)['scopes']} AS scopes FROM (SELECT {PLACE}, scope FROM ps
             ORDER BY {PLACE}, scope) q GROUP BY {PLACE}) st ON {_same_place('n', 'st')}
ORDER BY n.id"""


def _others_sql(conn: Connection) -> str:
    """The hazards among the ids that ``refresh`` must count: held by a tally already, linked to a 核查
    inspection or a verification, or dated before ``FIXED_SINCE``."""
    d = _dialect(conn)
    early = d["early"]
    return f"""SELECT h.id FROM hazard h WHERE h.id {d['ids']} AND (
  h.created_at < {early} OR h.registered_at < {early} OR h.closed_at < {early}
  OR EXISTS (SELECT 1 FROM hazard_tally t WHERE t.hazard_id = h.id)
  OR EXISTS (SELECT 1 FROM inspection_hazard ih WHERE ih.hazard_id = h.id)
  OR EXISTS (SELECT 1 FROM verification v WHERE v.hazard_id = h.id))"""


def _param(conn: Connection, ids: list[int]) -> tuple[Any, ...]:
    return (ids,) if conn.dialect.name == "postgresql" else (json.dumps(ids),)


def count_new(conn: Connection, hazard_ids: Iterable[int | None]) -> None:
    """Count ``hazard_ids`` (inserted in ``conn``'s transaction by a Core write, a ledger import) for the status:
    the same counters and facts rows as ``storage.tally.refresh``, set-based in SQL (the module docstring);
    those it cannot count so (or when ``TALLY_ZONE`` is not Asia/Shanghai) through ``refresh``."""
    ids = sorted({int(i) for i in hazard_ids if i is not None})
    if not ids:
        return
    if TALLY_ZONE.key != SQL_ZONE or conn.dialect.name not in ("sqlite", "postgresql"):
        refresh(conn, ids)
        return
    others = _others_sql(conn)
    for start in range(0, len(ids), BATCH):
        param = _param(conn, ids[start:start + BATCH])
        refresh(conn, [int(i) for (i,) in conn.exec_driver_sql(others, param)])
        conn.exec_driver_sql(_counters_sql(conn), param)
        conn.exec_driver_sql(_facts_sql(conn), param)


async def touch(session: AsyncSession, hazard_ids: Iterable[int | None]) -> None:
    """``storage.tally.touch`` for hazards a Core write has just inserted (a ledger import): flushes pending ORM
    changes, then counts them with ``count_new`` in the session's transaction."""
    ids = list(hazard_ids)
    await session.flush()
    await session.run_sync(lambda s: count_new(s.connection(), ids))
