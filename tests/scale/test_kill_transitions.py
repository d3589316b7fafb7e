"""kill -9 while people press life cycle buttons (审核, 挂账, 挂牌督办, 整改, 复查, 销账, 驳回) in a real bot
process on a real PostgreSQL database, then a new process that taps again what was never answered and
carries on. Checked after every kill and at the end: each hazard's log is its script's beginning (no
step twice, none skipped), its state is its last event's, its version counts its events, every answered
step is stored and at most the steps in flight are stored unanswered; a repeated tap of a stored step
changes nothing and says who did it; at the end every hazard is where its script ends, with exactly the
records (整改, 复查, 督办, ledger numbers) the scripts make.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from handlers.hazard_callbacks import HazardCb, SuperviseCb
from storage.db import create_engine, make_uow_factory
from storage.models import Hazard, HazardEvent
from storage.models_lifecycle import Rectification, Reinspection, Supervision
from tests.scale.child import Child, sessions_ended
from tests.scale.lifecycle_script import final_state, person_name, prepare, script

COUNT = 8  # hazards, two of each script
pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

CARD, SUPERVISE = f"cb:{HazardCb.__prefix__}:", f"cb:{SuperviseCb.__prefix__}:"


@dataclass
class Stored:
    """One hazard as the database has it."""

    state: str
    version: int
    ledger_number: str | None
    events: list[tuple[str, str | None, str]]  # (action, from, to) in order
    records: Counter[str]


async def _stored(url: str, hids: list[int]) -> dict[int, Stored]:
    engine = create_engine(url)
    try:
        async with make_uow_factory(engine)() as u:
            out = {}
            for hid in hids:
                h = await u.session.get(Hazard, hid)
                assert h is not None
                events = (await u.session.exec(
                    select(HazardEvent).where(HazardEvent.hazard_id == hid).order_by(col(HazardEvent.id))
                )).all()
                records: Counter[str] = Counter()
                for table in (Rectification, Reinspection):
                    records[table.__name__] = len((await u.session.exec(
                        select(table.id).where(table.hazard_id == hid))).all())  # type: ignore[attr-defined]
                for s in (await u.session.exec(select(Supervision).where(Supervision.hazard_id == hid))).all():
                    records["Supervision"] += 1
                    records["Supervision open"] += s.ended_at is None
                out[hid] = Stored(h.state, h.version, h.ledger_number,
                                  [(e.action, e.from_state, e.to_state) for e in events], records)
            return out
    finally:
        await engine.dispose()


def _consistent(index: int, hid: int, stored: Stored) -> int:
    """Check one hazard's log against its script and its row; how many steps it holds."""
    expected = ["submit", *(s.action for s in script(index))]
    actions = [a for a, _f, _t in stored.events]
    assert actions == expected[:len(actions)], f"hazard {hid}: {actions} is not a beginning of {expected}"
    assert stored.state == stored.events[-1][2], (hid, stored.state, stored.events[-1])
    assert stored.version == len(stored.events), (hid, stored.version, len(stored.events))
    for (_a, _f, to), (_b, after, _t) in zip(stored.events, stored.events[1:], strict=False):
        assert after == to, f"hazard {hid}: an event starts from {after}, the one before ended at {to}"
    return len(actions) - 1


def _unanswered(lines: list[str]) -> dict[tuple[int, int], list[Any]]:
    """The taps sent but never answered: (hazard, step) → ``[uid, hid, step, payload]``."""
    waiting: dict[tuple[int, int], list[Any]] = {}
    for line in lines:
        parts = line.split()
        if parts[0] == "press":
            hid, k, uid = int(parts[1]), int(parts[2]), int(parts[3])
            waiting[(hid, k)] = [uid, hid, k, parts[4]]
        elif parts[0] in ("ack", "resent"):
            waiting.pop((int(parts[1]), int(parts[2])), None)
    return waiting


def _check_resent(lines: list[str], stored_at_kill: dict[int, int]) -> int:
    """A repeated tap of a stored step changes nothing and says who did it; of a lost step, it does it.
    Returns how many taps were repeated."""
    count, payload, uid = 0, "", 0
    for parts in (line.split(maxsplit=4) for line in lines):
        if parts[0] == "press":
            uid, payload = int(parts[3]), parts[4]  # taps again go one at a time: "resent" follows its "press"
        if parts[0] != "resent":
            continue
        count += 1
        hid, k, did, answer = int(parts[1]), int(parts[2]), parts[3], parts[4]
        if stored_at_kill[hid] > k:
            assert did == "no", (hid, k, payload, did, answer)
            if payload.startswith((CARD, SUPERVISE)):  # a button on the card
                if payload.startswith(SUPERVISE):
                    told: tuple[str, ...] = ("已由该层级挂牌督办",)
                else:  # a stale 挂账 names who registered it (handlers' stale-register wording)
                    told = (f"已由 {person_name(uid)} 完成", f"（由 {person_name(uid)} 确认挂账）")
                assert any(t in answer for t in told), (hid, k, payload, did, answer)
        else:  # a button, or the last answer to a question the killed process asked (the question is
            assert did == "yes", (hid, k, payload, did, answer)  # stored, so the new process takes it)
    return count


def _check_after_kill(lines: list[str], hids: list[int], before: dict[int, int], stored: dict[int, Stored]) -> None:
    """Every answered step is stored; nothing beyond the steps that were in flight is."""
    for index, hid in enumerate(hids):
        done = _consistent(index, hid, stored[hid])
        acked = [int(p[2]) + 1 for p in (line.split() for line in lines) if p[0] == "ack" and int(p[1]) == hid]
        pressed = [int(p[2]) + 1 for p in (line.split() for line in lines) if p[0] == "press" and int(p[1]) == hid]
        assert max([before[hid], *acked]) <= done <= max([before[hid], *pressed]), (hid, before[hid], acked, pressed, done)
    for parts in (line.split() for line in lines):
        if parts[0] == "stalled":  # committed, its answer never sent
            hid, k = int(parts[1]), int(parts[2])
            assert _consistent(hids.index(hid), hid, stored[hid]) == k + 1, (hid, k, stored[hid].events)
            assert (hid, k) in _unanswered(lines)


def _check_final(hids: list[int], stored: dict[int, Stored]) -> None:
    for index, hid in enumerate(hids):
        s = stored[hid]
        steps = [step.key for step in script(index)]
        assert _consistent(index, hid, s) == len(steps), (hid, s.events)
        assert s.state == final_state(index)
        assert s.records["Rectification"] == steps.count("rectify"), (hid, s.records)
        assert s.records["Reinspection"] == steps.count("reinspect_pass") + steps.count("reinspect_fail")
        assert s.records["Supervision"] == steps.count("supervise") and s.records["Supervision open"] == 0
        assert (s.ledger_number is not None) == ("register" in steps), (hid, s.ledger_number)
    assert Counter(s.state for s in stored.values()) == {"closed": COUNT // 2, "rejected": COUNT // 2}
    numbers = [s.ledger_number for s in stored.values() if s.ledger_number]
    assert len(numbers) == len(set(numbers)) == COUNT // 2


async def _run(url: str, tmp: Path, run: int, hids: list[int], resend: list[list[Any]], stall_at: int = 0) -> Child:
    return await Child.start(
        "tests.scale.transition_driver", url, str(tmp / "data"), str(run * 1_000_000), str(stall_at),
        json.dumps(resend), *map(str, hids), stderr=tmp / f"driver-{run}.stderr",
    )


# each kill: ("press", n) kills right after the n-th step update was sent, anywhere in its handling;
# ("stall", n) stops Telegram answering the n-th one, so it is committed and unanswered, and kills then.
# One chain of processes goes through every case the separate runs did (a kill early on, a kill with a
# committed press unanswered, a kill right after a process that taps again what the killed one left,
# kills in a row): five process starts and one walk through the scripts instead of seven and three.
KILLS = [("press", 3), ("stall", 8), ("press", 6), ("stall", 5)]


async def test_kill_during_transitions_then_continue(database_url: str, tmp_path: Path) -> None:
    kills = KILLS
    engine = create_engine(database_url)
    try:
        hids = await prepare(make_uow_factory(engine), COUNT)
    finally:
        await engine.dispose()
    done = dict.fromkeys(hids, 0)
    resend: list[list[Any]] = []
    for run, (how, n) in enumerate(kills, 1):
        child = await _run(database_url, tmp_path, run, hids, resend, stall_at=n if how == "stall" else 0)
        if how == "stall":
            await child.read_until(lambda lines: any(line.startswith("stalled") for line in lines))
        else:
            await child.read_until(lambda lines, n=n: _presses_after_continue(lines) >= n)
        await child.kill()
        await sessions_ended(database_url)
        assert _check_resent(child.lines, done) == len(resend)
        stored = await _stored(database_url, hids)
        _check_after_kill(child.lines, hids, done, stored)
        done = {hid: len(stored[hid].events) - 1 for hid in hids}
        resend = list(_unanswered(child.lines).values())
        assert resend or how == "press", "a stalled tap is unanswered"

    last = await _run(database_url, tmp_path, len(kills) + 1, hids, resend)
    await last.finish()
    assert _check_resent(last.lines, done) == len(resend)
    _check_final(hids, await _stored(database_url, hids))


def _presses_after_continue(lines: list[str]) -> int:
    after = lines[lines.index("continue"):] if "continue" in lines else []
    return sum(line.startswith("press") for line in after)
