"""The status's hazard numbers read from the tallies (``storage.models_tally``, kept by ``storage.tally`` in the
transaction of every write; issue 19 item 1): a few range sums over counter rows instead of passes over the
hazards. Same numbers as the ledger scan of ``bot.services.summary`` (``compute_status(..., scan=True)``, the
reference; tests/test_status_tally.py compares both on random ledgers), in the same shapes.

A range "before day X" of a dated counter adds up the year rows before X's year, the month rows of X's year before
X's month and the day rows of X's month before X (``storage.models_tally.StatusTally``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import func, literal, select, union_all
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models_lifecycle import Supervision
from storage.models_tally import HazardTally, StatusTally
from storage.tally import OPEN

Rows = list[dict[str, object]]
Closures = dict[int, dict[str, int]]
_T = StatusTally.__table__.c  # type: ignore[attr-defined]
#: ``_sums`` over the district's row and every unit's
ALL = -1


Range = tuple[str, str, str, date | None, date | None]  # (label, kind, grain, from day, before day)


def _before(label: str, kind: str, x: date) -> list[Range]:
    """The counters of ``kind`` dated before ``x``: years before, months of its year before, days of its month."""
    y0, m0 = date(x.year, 1, 1), date(x.year, x.month, 1)
    return [(label, kind, "y", None, y0), (label, kind, "m", y0, m0), (label, kind, "d", m0, x)]


async def _sums(session: AsyncSession, scope: int | None, ranges: list[Range]
                ) -> dict[tuple[str, int, str, str, str], int]:
    """``{(label, scope, kind, a, b): n}``: for each range of counters (one index range each, of
    ``ix_status_tally_kind`` or of the primary key for one scope), their sums, in one statement; ``scope`` None:
    every unit's scope (not the district's row), ``ALL``: the district's and every unit's."""
    parts = []
    for label, kind, grain, lo, hi in ranges:
        part = select(literal(label).label("label"), _T.scope_id, _T.kind, _T.a, _T.b, _T.n).where(
            _T.kind == kind, _T.grain == grain)
        if lo is not None:
            part = part.where(_T.day >= lo)
        if hi is not None:
            part = part.where(_T.day < hi)
        if scope is None:
            part = part.where(_T.scope_id != 0)
        elif scope != ALL:
            part = part.where(_T.scope_id == scope)
        parts.append(part)
    u = union_all(*parts).subquery()
    stmt = select(u.c.label, u.c.scope_id, u.c.kind, u.c.a, u.c.b, func.sum(u.c.n)).group_by(
        u.c.label, u.c.scope_id, u.c.kind, u.c.a, u.c.b)
    return {(str(lab), int(s), str(k), str(a), str(b)): int(n)
            for lab, s, k, a, b, n in (await session.exec(stmt)).all() if n}  # type: ignore[call-overload]


async def numbers(session: AsyncSession, as_of: date, week_start: date, scope: int | None) -> tuple[Rows, Closures]:
    """The aggregates of ``summary._hazard_rows`` and ``summary._closures`` for ``scope`` (0: the district, its
    closures by recording unit; a unit id: that unit's scope; None: every unit's scope, the ranking's lines),
    ``as_of`` today and ``week_start`` Monday of its week, both in ``storage.tally.TALLY_ZONE``.

    The rows hold, per scope and state, ``n`` and ``major`` (open 重大隐患), and on one extra row per scope of state
    ``closed`` and ``n`` 0: ``overdue``, ``new_week``, ``registered_week``, ``open_before`` and the closed part of
    ``registered_y`` — the rest of it on a row of state ``registered`` and ``n`` 0 (``summary`` adds them up
    alike: ``summary._rectification`` reads ``registered_y`` of closed rows as the numerator)."""
    return _shaped(await _sums(session, scope, _ranges(as_of, week_start)))


async def district(session: AsyncSession, as_of: date, week_start: date
                   ) -> tuple[tuple[Rows, Closures], tuple[Rows, Closures]]:
    """``numbers`` of the district (scope 0) and of every unit's scope (the lines), read in one statement."""
    sums = await _sums(session, ALL, _ranges(as_of, week_start))
    return (_shaped({k: n for k, n in sums.items() if k[1] == 0}),
            _shaped({k: n for k, n in sums.items() if k[1] != 0}))


def _ranges(as_of: date, week_start: date) -> list[Range]:
    y0 = date(as_of.year, 1, 1)
    end = as_of + timedelta(days=1)
    ranges: list[Range] = [("state", "state", "-", None, None), *_before("overdue", "deadline", as_of),
                           ("week", "created", "d", week_start, None), ("week", "registered", "d", week_start, None)]
    for kind in ("registered", "closed", "verified"):
        ranges += [*_before("upto", kind, end), ("before_y", kind, "y", None, y0)]
    return ranges


def _shaped(sums: dict[tuple[str, int, str, str, str], int]) -> tuple[Rows, Closures]:
    """The rows and closures of ``numbers`` from the sums of ``_ranges``."""
    state = {(s, k, a, b): n for (lab, s, k, a, b), n in sums.items() if lab == "state"}
    upto = {(s, k, a, b): n for (lab, s, k, a, b), n in sums.items() if lab == "upto"}
    upto.update({(s, "overdue", a, b): n for (lab, s, _, a, b), n in sums.items() if lab == "overdue"})
    before_y = {(s, k, a, b): n for (lab, s, k, a, b), n in sums.items() if lab == "before_y"}
    week = {(s, k, a, b): n for (lab, s, k, a, b), n in sums.items() if lab == "week"}

    extra: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    closures: Closures = {}
    for (s, kind, a, b), n in upto.items():
        line = extra[s]
        if kind == "overdue":
            line["overdue"] += n
        elif kind == "registered":
            line["registered_y_closed" if a == "closed" else "registered_y_open"] += n - before_y.get((s, kind, a, b), 0)
        elif kind in ("closed", "verified"):
            key = s if s != 0 else int(b)
            c = closures.setdefault(key, {"closed_y": 0, "closed_y_before": 0, "verified_y": 0})
            n_y = n - before_y.get((s, kind, a, b), 0)
            if kind == "verified":
                c["verified_y"] += n_y
            else:
                c["closed_y"] += n_y
                c["closed_y_before"] += n_y if a == "before" else 0
    for (s, kind, a, _b), n in before_y.items():
        if kind == "registered" and a != "closed":
            extra[s]["open_before"] += n
    for (s, kind, _a, _b), n in week.items():
        extra[s]["new_week" if kind == "created" else "registered_week"] += n

    rows: Rows = []
    zero = {"overdue": 0, "major": 0, "new_week": 0, "registered_week": 0, "registered_y": 0, "open_before": 0}
    by_state: dict[tuple[int, str], dict[str, int]] = {}
    for (s, _, st, b), n in state.items():
        r = by_state.setdefault((s, st), {"n": 0, "major": 0})
        r["n"] += n
        if b == "major" and st in OPEN:
            r["major"] += n
    for (s, st), r in by_state.items():
        rows.append({**zero, "unit_id": s, "state": st, "n": r["n"], "major": r["major"]})
    for s, e in extra.items():
        rows.append({**zero, "unit_id": s, "state": "closed", "n": 0, "overdue": e["overdue"], "new_week": e["new_week"],
                     "registered_week": e["registered_week"], "registered_y": e["registered_y_closed"],
                     "open_before": e["open_before"]})
        rows.append({**zero, "unit_id": s, "state": "registered", "n": 0, "registered_y": e["registered_y_open"]})
    closures = {u: c for u, c in closures.items() if c["closed_y"]}
    return rows, closures


async def top(session: AsyncSession, scope: int, column: str, limit: int) -> list[tuple[str, int]]:
    """The ``limit`` most frequent categories (``column`` ``a``) or townships (``b``) of the open hazards of
    ``scope`` (0: the district), most first, then by name (as ``summary._top`` orders them)."""
    key = _T.a if column == "a" else _T.b
    n = func.sum(_T.n).label("n")
    stmt = (select(key, n).where(_T.scope_id == scope, _T.kind == "open", _T.grain == "-")
            .group_by(key).having(func.sum(_T.n) > 0).order_by(n.desc(), key).limit(limit))
    return [(str(k), int(v)) for k, v in (await session.exec(stmt)).all()]  # type: ignore[call-overload]


async def inspections(session: AsyncSession, as_of: date, unit_id: int | None) -> dict[int, int]:
    """Live inspections dated 1 January … ``as_of`` of its year, by inspecting unit (``unit_id``: that unit
    only), as ``summary._inspections_by_unit`` counts them."""
    y0, end = date(as_of.year, 1, 1), as_of + timedelta(days=1)
    sums = await _sums(session, unit_id, [*_before("upto", "inspected", end), ("before_y", "inspected", "y", None, y0)])
    out: dict[int, int] = defaultdict(int)
    for (lab, s, _k, _a, _b), n in sums.items():
        out[s] += n if lab == "upto" else -n
    return {s: n for s, n in out.items() if n}


async def supervised(session: AsyncSession, unit_id: int | None) -> int:
    """Open hazards under a supervision that has not ended (挂牌督办, ``summary._supervised``), in the district
    or in unit ``unit_id``'s scope: read from the supervisions (a few) and each one's tallied state and scopes."""
    sv, ht = Supervision.__table__.c, HazardTally.__table__.c  # type: ignore[attr-defined]
    # IN (…) of the few supervised ids, looked up by key: a join lets SQLite start from the million hazards
    stmt = select(ht.hazard_id, ht.scopes).where(
        ht.hazard_id.in_(select(sv.hazard_id).where(sv.ended_at.is_(None))), ht.state.in_(OPEN))
    rows = (await session.exec(stmt)).all()  # type: ignore[call-overload]
    return sum(1 for _, scopes in rows if unit_id is None or str(unit_id) in scopes.split(","))
