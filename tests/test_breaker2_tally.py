"""A hazard's township corrected, then the hazard transferred, then corrected back: the status of the district,
of the home township, of the township named and of the receiving unit counted from the tallies equals the ledger
scan (``compute_status(scan=True)``), on SQLite and PostgreSQL, and the moved hazard is open in exactly the units
whose scope now holds it."""

from __future__ import annotations

from datetime import date, timedelta

from storage.db import UowFactory
from tests.lifecycle_factories import cast, hazard
from tests.test_status_tally import START, _move, _same, _scopes


async def test_a_township_correction_and_a_transfer_leave_every_units_status_equal_to_the_scan(
        uow: UowFactory) -> None:
    c = await cast(uow)
    hid = await hazard(uow, c.inspector, full_plan=True, deadline=date(2019, 1, 10), level="重大隐患")
    other = await hazard(uow, c.inspector, full_plan=True, deadline=date(2018, 12, 1), level="一般隐患")
    before = await _scopes(uow)
    now = START
    for choice in (0, 3, 0, 3, 1, 2):  # township, transfer, township again, transfer back, industry, zone
        now += timedelta(days=3)
        await _move(uow, c, hid, choice, now)
        await _same(uow, [now, now + timedelta(days=40)], before | await _scopes(uow))
    assert other
