"""``/find`` within scope, the case file (一患一案) with photos of every stage, and administration of
invite codes and roles."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.clock import fixed_clock
from bot.domain import HazardState, PhotoStage, Role
from bot.services.admin import AdminService
from bot.services.errors import InviteInvalid, NotBound, NotFound, PermissionDenied, RoleNotForUnit
from bot.services.find import FindService
from bot.services.hazard_query import overdue_clause
from bot.services.invites import InviteService
from bot.services.lifecycle import Action, FiveImplementations
from bot.services.lifecycle_service import LifecycleService
from storage.db import UowFactory
from storage.models import Hazard, Photo
from tests.lifecycle_factories import HOME, NOW, OFFICE_UNIT, OTHER, TODAY, cast, hazard, person

S = HazardState


async def test_find_matches_numbers_site_and_address_only_within_scope(uow: UowFactory) -> None:
    c = await cast(uow)
    find = FindService(uow, fixed_clock(NOW))
    other_inspector = await person(uow, "外单位", (Role.INSPECTOR, OTHER))
    mine = await hazard(uow, c.inspector, site_name="幸福里50%折扣店", state=S.REGISTERED)
    theirs = await hazard(uow, other_inspector, unit=OTHER, site_name="幸福里小卖部")
    async with uow() as u:
        m = await u.session.get(Hazard, mine)
        assert m is not None and m.ledger_number is not None
        ledger, draft = m.ledger_number, m.draft_number

    assert [h.id for h in await find.find(c.inspector, "幸福里")] == [mine]
    assert [h.id for h in await find.find(c.leader, ledger)] == [mine]
    assert [h.id for h in await find.find(c.reviewer, draft.lower())] == [mine]
    assert [h.id for h in await find.find(c.reviewer, ledger[:12])] == [mine]
    assert [h.id for h in await find.find(c.reviewer, "50%")] == [mine]
    assert await find.find(c.reviewer, "_") == [] and await find.find(c.reviewer, "幸%店") == []
    assert [h.id for h in await find.find(c.office, "幸福里")] == [theirs, mine]
    assert [h.id for h in await find.find(other_inspector, "幸福里")] == [theirs]
    with pytest.raises(NotBound):
        await find.find(await person(uow, "路人"), "幸福里")


async def test_the_case_file_shows_every_step_with_its_photos_and_what_the_viewer_may_do(uow: UowFactory) -> None:
    c = await cast(uow)
    life = LifecycleService(uow, fixed_clock(NOW))
    find = FindService(uow, fixed_clock(NOW))
    hid = await hazard(uow, c.inspector, state=S.REGISTERED, deadline=TODAY.replace(day=1))
    async with uow() as u:
        photo = Photo(sha256="e" * 64, storage_key="ee/" + "e" * 64, size=10, stage=PhotoStage.ACCEPTANCE.value,
                      user_id=c.inspector.user_id)
        u.session.add(photo)
        await u.commit()
    case = await find.case(c.reviewer, hid)
    assert case.summary.overdue and Action.REPORT_RECTIFICATION in case.actions and Action.CLOSE not in case.actions
    await life.supervise(c.office, hid, "街乡")
    await life.report_rectification(c.inspector, hid, FiveImplementations(), photo_ids=[photo.id])  # type: ignore[list-item]
    case = await find.case(c.leader, hid)
    assert not case.summary.overdue and [x.level for x in case.summary.supervision] == ["街乡"]
    assert [s.action for s in case.steps] == ["submit", "supervise", "report_rectification"]
    assert [p.id for p in case.steps[-1].photos] == [photo.id]
    assert list(case.photos_by_stage) == ["acceptance"] and case.actions == ()
    office_case = await find.case(c.office, hid)
    assert Action.REINSPECT_PASS not in office_case.actions
    assert Action.REINSPECT_PASS in (await find.case(c.inspector2, hid)).actions
    with pytest.raises(NotFound):
        await find.case(await person(uow, "外单位", (Role.LEADER, OTHER)), hid)
    queue = await find.in_states(c.reviewer, [S.RECTIFIED])
    assert [h.id for h in queue] == [hid]


async def test_admins_and_the_office_issue_and_revoke_codes_and_change_roles(uow: UowFactory) -> None:
    c = await cast(uow)
    invites = InviteService(uow)
    admin = AdminService(uow, invites)
    root = await person(uow, "管理员", admin=True)

    issued = await admin.issue(c.office, Role.REVIEWER, "建外街道")
    assert [p.code for p in await admin.pending_invites(c.office)] == [issued.code]
    with pytest.raises(PermissionDenied):
        await admin.issue(c.office, Role.OFFICE, OFFICE_UNIT)
    with pytest.raises(PermissionDenied):
        await admin.issue(c.reviewer, Role.INSPECTOR, HOME)
    await admin.revoke_invite(c.office, issued.code.lower())
    with pytest.raises(NotFound):
        await admin.revoke_invite(c.office, issued.code)
    with pytest.raises(InviteInvalid):
        await invites.redeem(c.leader, issued.code)
    assert await admin.pending_invites(root) == []

    office_code = await admin.issue(root, Role.OFFICE, OFFICE_UNIT)
    assert office_code.unit_name == "区安委会办公室"
    with pytest.raises(RoleNotForUnit):  # the office acts for the district: never a township's
        await admin.issue(root, Role.OFFICE, HOME)
    with pytest.raises(RoleNotForUnit):
        await admin.set_role(root, c.inspector.user_id, HOME, Role.OFFICE)

    changed = await admin.set_role(c.office, c.inspector.user_id, HOME, Role.REVIEWER, replace=[Role.INSPECTOR])
    assert changed.roles == ((Role.REVIEWER, "建外街道"),)
    with pytest.raises(PermissionDenied):
        await admin.set_role(c.office, c.inspector.user_id, OFFICE_UNIT, Role.ADMIN)
    await admin.set_role(root, c.inspector.user_id, OFFICE_UNIT, Role.OFFICE)
    removed = await admin.remove_role(root, c.inspector.user_id, HOME, Role.REVIEWER)
    assert removed.roles == ((Role.OFFICE, "区安委会办公室"),)
    with pytest.raises(NotFound):
        await admin.remove_role(root, c.inspector.user_id, HOME, Role.REVIEWER)
    names = [u.full_name for u in await admin.users(c.office, "建外街道")]
    assert "李检查" not in names and "王审核" in names


async def test_overdue_in_sql_agrees_with_the_card(uow: UowFactory) -> None:
    c = await cast(uow)
    find = FindService(uow, fixed_clock(NOW))
    late = await hazard(uow, c.inspector, state=S.REGISTERED, deadline=TODAY.replace(day=9))
    await hazard(uow, c.inspector, state=S.REGISTERED, deadline=TODAY)
    await hazard(uow, c.inspector, state=S.RECTIFIED, deadline=TODAY.replace(day=1))
    async with uow() as u:
        ids = (await u.session.exec(select(Hazard.id).where(overdue_clause(TODAY)))).all()
    assert ids == [late]
    assert [h.id for h in await find.in_states(c.reviewer, list(S)) if h.overdue] == [late]
