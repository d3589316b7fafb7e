"""kill -9 at any moment: no committed answer or record is lost, none is duplicated, and every form
resumes from its last answered step in a new process. Real processes on a real PostgreSQL database.

The other kill -9 cases of issue 8: during life cycle transitions in ``test_kill_transitions.py``,
during a reminder fan-out in ``test_kill_fanout.py``.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.domain import DraftStatus
from storage.db import create_engine, make_uow_factory
from storage.models import Draft, Hazard, Photo, User
from tests.scale.child import Child

USERS = [9101, 9102, 9103, 9104, 9105, 9106]
pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


class Driver:
    """Runs of ``tests/scale/crash_driver.py``."""

    @staticmethod
    async def start(url: str, data_dir: Path, mode: str, run: int) -> Child:
        return await Child.start(
            "tests.scale.crash_driver", url, str(data_dir), mode, str(run * 1_000_000), *map(str, USERS),
            stderr=data_dir.parent / f"driver-{run}.stderr",
        )


def _answered(lines: list[str]) -> dict[int, list[str]]:
    keys: dict[int, list[str]] = defaultdict(list)
    for line in lines:
        parts = line.split()
        if parts[0] == "step":
            keys[int(parts[1])].append(parts[2])
    return keys


async def _stored(url: str) -> tuple[dict[int, dict], dict[int, int], list[str], int]:
    """Per user: the active draft's answers; hazards per user; all draft numbers; photos on hazards."""
    engine = create_engine(url)
    try:
        async with make_uow_factory(engine)() as u:
            users = {row.id: int(row.address) for row in (await u.session.exec(select(User))).all()}
            drafts = (await u.session.exec(select(Draft).where(Draft.status == DraftStatus.ACTIVE.value))).all()
            # the hazard type is two presses: the category waits in the context until the subtype comes
            open_forms = {
                users[d.user_id]: {**d.data, **({"hazard_type": "…"} if "tree_category" in d.context else {})}
                for d in drafts
            }
            assert len(open_forms) == len(drafts), "two open drafts for one user"
            per_user: dict[int, int] = defaultdict(int)
            numbers = []
            for hazard in (await u.session.exec(select(Hazard))).all():
                per_user[users[hazard.created_by]] += 1
                numbers.append(hazard.draft_number)
            photos = (await u.session.exec(
                select(func.count()).select_from(Photo).where(Photo.hazard_id.is_not(None))  # type: ignore[union-attr]
            )).one()
    finally:
        await engine.dispose()
    return open_forms, dict(per_user), numbers, photos


async def _check_nothing_lost(url: str, lines: list[str]) -> None:
    open_forms, per_user, _, _ = await _stored(url)
    for uid, keys in _answered(lines).items():
        if per_user.get(uid):
            continue  # submitted: its answers are in the hazard
        data = open_forms[uid]
        lost = [k for k in keys if k not in ("photos",) and data.get(k) in (None, "", [])]
        lost = [k for k in lost if k not in ("parent_group", "district_department", "city_department", "remarks")]
        assert not lost, f"user {uid}: answered {lost} but the draft has no value"


async def _check_final(url: str) -> None:
    open_forms, per_user, numbers, photos = await _stored(url)
    assert open_forms == {}
    assert per_user == {uid: 1 for uid in USERS}, per_user
    assert len(numbers) == len(set(numbers)) == len(USERS)
    assert photos >= len(USERS)


async def test_kill_during_submissions_then_resume(database_url: str, tmp_path: Path) -> None:
    prepare = await Driver.start(database_url, tmp_path / "data", "prepare", 1)
    await prepare.finish()
    assert sum(line.startswith("review") for line in prepare.lines) == len(USERS)

    storm = await Driver.start(database_url, tmp_path / "data", "submit", 2)
    await storm.read_until(lambda lines: any(line.startswith("submitted") for line in lines))
    await storm.kill()
    open_forms, per_user, numbers, _ = await _stored(database_url)
    assert all(n == 1 for n in per_user.values())  # a record is there once or not at all
    assert set(open_forms) | set(per_user) == set(USERS)  # every user: either an open draft or a hazard
    assert not set(open_forms) & set(per_user)

    again = await Driver.start(database_url, tmp_path / "data", "run", 3)
    await again.finish()
    await _check_final(database_url)


# steps answered before each kill, counted per process: one kill at the very start, the next in the
# middle, the last near the end of the forms (six users, about 20 steps each), three kills in a row.
# One chain of four processes covers what three separate tests (kills after 5, after 75, after 20 and
# 30) proved with seven.
KILLS_AFTER = (5, 30, 40)


async def test_kills_during_forms_then_resume_on_a_new_process(database_url: str, tmp_path: Path) -> None:
    for run, kill_after in enumerate(KILLS_AFTER, 1):
        driver = await Driver.start(database_url, tmp_path / "data", "run", run)
        await driver.read_until(lambda lines, n=kill_after: sum(line.startswith("step") for line in lines) >= n)
        await driver.kill()
        await _check_nothing_lost(database_url, driver.lines)
    last = await Driver.start(database_url, tmp_path / "data", "run", len(KILLS_AFTER) + 1)
    await last.finish()
    await _check_final(database_url)
