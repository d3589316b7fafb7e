"""Migration 0110 (extension requests; a supervision's requirement, deadline and person responsible) goes down
and up again on SQLite and PostgreSQL, and the database keeps one pending request per hazard."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from storage.models_deadlines import DeadlineExtension
from tests.db_inspect import Parts, migration_goes_down_and_up, unit_of_work
from tests.lifecycle_factories import hazard, person


async def _one_pending_request_per_hazard(url: str, _: object) -> None:
    async with unit_of_work(url) as uow:
        someone = await person(uow, "李检查")
        hid = await hazard(uow, someone)
        async with uow() as u:
            u.session.add(DeadlineExtension(hazard_id=hid, new_deadline=date(2026, 5, 30), reason="一",
                                            requested_by=someone.user_id, status="refused"))
            u.session.add(DeadlineExtension(hazard_id=hid, new_deadline=date(2026, 5, 31), reason="二",
                                            requested_by=someone.user_id))
            await u.commit()
        with pytest.raises(IntegrityError):
            async with uow() as u:
                u.session.add(DeadlineExtension(hazard_id=hid, new_deadline=date(2026, 6, 1), reason="三",
                                                requested_by=someone.user_id))
                await u.commit()


async def test_extensions_and_supervision_details_go_down_and_up(database_url: str) -> None:
    await migration_goes_down_and_up(
        database_url, "0110-1",
        added=Parts.of({"deadline_extension"}, columns={"supervision": {"requirement", "deadline", "responsible"}}),
        kept=Parts.of({"supervision"}), check=_one_pending_request_per_hazard)
