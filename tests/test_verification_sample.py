"""Drawing the verification sample (核查): per unit, among the hazards closed in the period, at the ratio of the
unit's plan for the year (附件3) or the default when it has none; drawn once per unit and period."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bot.clock import fixed_clock
from bot.domain import HazardState, Role
from bot.services.errors import PermissionDenied
from bot.services.lifecycle_errors import AlreadyDone
from bot.services.lifecycle_service import LifecycleService
from bot.services.verification import VerificationService, sample_size
from storage.db import UowFactory
from storage.models_plans import InspectionPlan
from tests.lifecycle_factories import HOME, NOW, OTHER, cast, hazard, person, unit_id

S = HazardState
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def test_the_sample_is_rounded_up_and_never_empty_when_something_closed() -> None:
    assert [sample_size(n, Decimal("10")) for n in (0, 1, 9, 10, 11, 30)] == [0, 1, 1, 1, 2, 3]
    assert sample_size(4, Decimal("50")) == 2 and sample_size(3, Decimal("100")) == 3


async def test_each_unit_is_sampled_at_its_plans_ratio_among_hazards_closed_in_the_period(uow: UowFactory) -> None:
    c = await cast(uow)
    other_inspector = await person(uow, "外单位", (Role.INSPECTOR, OTHER))
    async with uow() as u:
        u.session.add(InspectionPlan(unit_id=await unit_id(uow, HOME), year=2026, inspection_target=100,
                                     verification_ratio=Decimal("50")))
        await u.commit()
    in_march = LifecycleService(uow, fixed_clock(NOW))
    in_april = LifecycleService(uow, fixed_clock(datetime(2026, 4, 1, 2, tzinfo=UTC)))
    home = [await hazard(uow, c.inspector, state=S.CLOSURE_REQUESTED) for _ in range(4)]
    other = [await hazard(uow, other_inspector, unit=OTHER, state=S.CLOSURE_REQUESTED) for _ in range(3)]
    late = await hazard(uow, c.inspector, state=S.CLOSURE_REQUESTED)
    for hid in home + other:
        await in_march.close(c.office, hid)
    await in_april.close(c.office, late)

    verify = VerificationService(uow, fixed_clock(NOW), rng=random.Random(3))
    with pytest.raises(PermissionDenied):
        await verify.draw(c.reviewer, *MARCH)
    samples = {s.unit_name: s for s in await verify.draw(c.office, *MARCH)}
    assert set(samples) == {"建外街道", "朝外街道"}
    home_sample, other_sample = samples["建外街道"], samples["朝外街道"]
    assert (home_sample.closed_count, home_sample.ratio_percent, home_sample.default_ratio) == (4, 50, False)
    assert len(home_sample.chosen) == 2 and set(home_sample.chosen) <= set(home)
    assert (other_sample.closed_count, other_sample.ratio_percent, other_sample.default_ratio) == (3, 10, True)
    assert len(other_sample.chosen) == 1 and set(other_sample.chosen) <= set(other)

    again = {s.unit_name: s for s in await VerificationService(uow, fixed_clock(NOW)).draw(c.office, *MARCH)}
    assert again["建外街道"].existing and again["建外街道"].chosen == home_sample.chosen
    checks = await verify.pending(c.office)
    assert sorted(ch.hazard_id for ch in checks) == sorted(home_sample.chosen + other_sample.chosen)

    first = checks[0]
    outcome = await verify.record(c.office, first.verification_id, passed=True)
    assert outcome.to_state == S.CLOSED
    with pytest.raises(AlreadyDone) as err:
        await verify.record(c.office, first.verification_id, passed=False, note="x", new_deadline=date(2026, 5, 1))
    assert err.value.params["by"] == "张办公室"
    assert len(await verify.pending(c.office)) == len(checks) - 1
