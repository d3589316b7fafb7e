"""Migration 0030 (plans, summary indexes) goes down and up again on both databases."""

from __future__ import annotations

from tests.db_inspect import Parts, migration_goes_down_and_up


async def test_0030_downgrades_and_upgrades(database_url: str) -> None:
    await migration_goes_down_and_up(
        database_url, "0030-1",
        added=Parts.of({"inspection_plan", "plan_arrangement"}, indexes={
            "hazard": {"ix_hazard_summary"}, "hazard_event": {"ix_hazard_event_closure"},
            "inspection": {"ix_inspection_unit_on"}}),
        kept=Parts.of({"hazard"}))
