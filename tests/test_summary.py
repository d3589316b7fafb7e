"""Status numbers and rankings on a hand-built ledger, on SQLite and PostgreSQL.

The ledger (as of Wednesday 2019-06-12 10:00 Asia/Shanghai; week starts Monday 2019-06-10):

unit A = 建外街道                                         in 2019 denominator?  closed in 2019?
  h1  registered 2019-03-01, registered, deadline 06-01, 重大   yes (registered in Y)  no   → overdue, major
  h2  registered 2018-11-01, registered, deadline 07-01        yes (open at Y-start)  no
  h3  registered 2018-10-20, closed 2018-12-15, 重大            no  (closed before Y)  —
  h4  registered 2018-10-21, closed 2019-02-01, 核查 2019-03-05  yes                   yes, verified
  h5  registered 2019-04-01, closed 2019-05-01 (核查 in 2018)    yes                   yes
  h6  pending review, reported 2019-06-11                       no  (not registered)  → new this week
  h7  registered 2019-06-10 09:00, rectified, deadline 06-01    yes                   no   → registered this week
  h8  registered 2018-10-22, closed 2018-12-01, reopened        yes (not closed now)  no
  h9  registered 2018-12-31 23:30 SH, closed 2018-12-31 23:50 SH   no (both before 2019-01-01 00:00 SH)
  h10 registered 2019-01-01 00:10 SH (= 2018-12-31 16:10 UTC), closed 2019-01-02   yes  yes
unit B = 朝外街道
  h11 registered 2019-05-01, registered, deadline 05-31, 重大   yes                   no   → overdue, major
  h12 rejected                                                   no

Rectification: district 3 of 8 (h4, h5, h10 of h1 h2 h4 h5 h7 h8 h10 h11); A 3 of 7; B 0 of 1.

Supervision (挂牌督办): h1 at two levels (counted once), h7 (rectified, still open), h11 ended, h3 closed
(its record never ended): supervised = 2 (both A's). Work information: A filed one in May (period 2019-05),
B only in June; the month due on 2019-06-12 is May (June's last working day, the 28th, is to come), so
every unit but A is late with its monthly report.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.clock import fixed_clock
from bot.services.summary import SummaryService, compute_status, monthly_report_due, rank
from storage.db import UowFactory
from storage.models_lifecycle import Supervision
from storage.models_plans import InspectionPlan
from storage.models_reminders import WorkSubmission
from tests.summary_ledger import RULES, closure, hazard, inspection, link, sh, unit, user

NOW = sh(date(2019, 6, 12), 10)


async def build(uow: UowFactory) -> dict[str, int]:
    async with uow() as u:
        s = u.session
        a, b = await unit(s, "110105001"), await unit(s, "110105002")
        me = await user(s)
        H = {}
        H["h1"] = hazard(a, me, state="registered", registered=sh(date(2019, 3, 1)), deadline=date(2019, 6, 1), level="重大隐患")
        H["h2"] = hazard(a, me, state="registered", registered=sh(date(2018, 11, 1)), deadline=date(2019, 7, 1))
        H["h3"] = hazard(a, me, state="closed", registered=sh(date(2018, 10, 20)), level="重大隐患", deadline=date(2018, 11, 1))
        H["h4"] = hazard(a, me, state="closed", registered=sh(date(2018, 10, 21)), deadline=date(2018, 11, 1))
        H["h5"] = hazard(a, me, state="closed", registered=sh(date(2019, 4, 1)), deadline=date(2019, 4, 20))
        H["h6"] = hazard(a, me, state="pending_review", created_at=sh(date(2019, 6, 11)), updated_at=sh(date(2019, 6, 11)))
        H["h7"] = hazard(a, me, state="rectified", registered=sh(date(2019, 6, 10), 9), deadline=date(2019, 6, 1),
                         category="交通领域", subtype="城市道路", created_at=sh(date(2019, 6, 5)))
        H["h8"] = hazard(a, me, state="registered", registered=sh(date(2018, 10, 22)), deadline=date(2019, 6, 12))
        H["h9"] = hazard(a, me, state="closed", registered=sh(date(2018, 12, 31), 23, 30))
        H["h10"] = hazard(a, me, state="closed", registered=sh(date(2019, 1, 1), 0, 10))
        H["h11"] = hazard(b, me, state="registered", registered=sh(date(2019, 5, 1)), deadline=date(2019, 5, 31),
                          level="重大隐患", updated_at=sh(date(2019, 5, 20)))
        H["h12"] = hazard(b, me, state="rejected", updated_at=sh(date(2019, 5, 20)))
        s.add_all(H.values())
        await s.flush()
        s.add_all([
            closure(H["h3"], sh(date(2018, 12, 15))),
            closure(H["h4"], sh(date(2019, 2, 1))),
            closure(H["h5"], sh(date(2019, 5, 1))),
            closure(H["h8"], sh(date(2018, 12, 1))),
            closure(H["h9"], sh(date(2018, 12, 31), 23, 50)),
            closure(H["h10"], sh(date(2019, 1, 2))),
        ])
        ins = [
            inspection(a, me, date(2019, 2, 1)),
            inspection(a, me, date(2019, 3, 5), kind="核查"),
            inspection(a, me, date(2019, 5, 1)),
            inspection(a, me, date(2019, 6, 12)),
            inspection(a, me, date(2018, 12, 20), kind="核查"),
            inspection(b, me, date(2019, 1, 15), created_at=sh(date(2019, 5, 20))),
            inspection(b, me, date(2019, 4, 15), created_at=sh(date(2019, 5, 20))),
        ]
        s.add_all(ins)
        await s.flush()
        s.add_all([link(ins[1], H["h4"]), link(ins[4], H["h5"])])
        s.add_all([
            InspectionPlan(unit_id=a.id, year=2019, inspection_target=10, verification_ratio=Decimal("20")),
            InspectionPlan(unit_id=b.id, year=2019, inspection_target=5, verification_ratio=Decimal("50")),
            InspectionPlan(unit_id=b.id, year=2018, inspection_target=99, verification_ratio=Decimal("90")),
        ])
        ended = sh(date(2019, 6, 1))
        s.add_all([
            Supervision(hazard_id=H["h1"].id, level="区政府", started_by=me.id),
            Supervision(hazard_id=H["h1"].id, level="街乡", started_by=me.id),
            Supervision(hazard_id=H["h7"].id, level="区安委会", started_by=me.id),
            Supervision(hazard_id=H["h11"].id, level="街乡", started_by=me.id, ended_at=ended),
            Supervision(hazard_id=H["h3"].id, level="街乡", started_by=me.id),
            WorkSubmission(unit_id=a.id, kind="work_info", period="2019-05", text="五月工作信息"),
            WorkSubmission(unit_id=b.id, kind="work_info", period="2019-06", text="六月工作信息"),
            WorkSubmission(unit_id=b.id, kind="summary", period="2019-05", text="不是工作信息"),
        ])
        ids = {"A": a.id, "B": b.id, **{name: h.id for name, h in H.items()}}
        await u.commit()
    return ids  # type: ignore[return-value]


async def test_district_status_counts_every_rate_by_its_definition(uow: UowFactory) -> None:
    await build(uow)
    async with uow() as u:
        st = await compute_status(u.session, NOW, rules=RULES)
    assert st.as_of == date(2019, 6, 12) and st.year == 2019
    assert st.by_state == {"registered": 4, "closed": 5, "rectified": 1, "pending_review": 1, "rejected": 1}
    assert st.open == 5
    assert (st.new_this_week, st.registered_this_week) == (1, 1)
    assert st.overdue == 2  # h1, h11; h7 is rectified, h8's deadline is today
    assert st.major_open == 2  # h1, h11; h3 is closed
    assert st.supervised == 2  # h1 (two levels, once), h7; h11's ended, h3 is closed
    assert st.monthly_report_period == "2019-05"
    assert "朝外街道" in st.late_monthly_units and "建外街道" not in st.late_monthly_units
    # 83 units (5 功能区管委会 among them): A filed, B did not; the 81 others never recorded or reported anything,
    # so the 77 of them with hazard duties are counted as not started (尚未开始, issue 20), not as late; the 4
    # without duties (区安委会办公室, 区财政局, 区人力社保局, 区政府) are neither
    assert st.late_monthly_units == ["朝外街道"]
    assert len(st.not_started_units) == 77 and {x.unit_name for x in st.not_started_units}.isdisjoint({"建外街道", "朝外街道"})
    assert st.coverage.target == st.coverage_milestone  # the one figure the text and the chart show
    assert (st.rectification.numerator, st.rectification.denominator) == (3, 8)
    assert st.rectification.value == Decimal("0.3750") and st.rectification.met is False
    assert (st.coverage.numerator, st.coverage.denominator) == (4 + 2, 10 + 5)
    assert st.coverage.percent() == "40.0%" and st.coverage_milestone == Decimal("0.70")
    assert (st.verification.numerator, st.verification.denominator) == (1, 3)
    # district target: units' ratios weighted by closed-in-year hazards (A: 20 % × 3, B: 50 % × 0)
    assert st.verification.target == Decimal("0.2") and st.verification.met is True
    assert st.top_categories[0] == ("重点消防", 4) and ("交通领域", 1) in st.top_categories
    assert st.top_townships[0] == ("建外街道", 4)
    assert [w.unit_name for w in st.worst_units] == ["朝外街道", "建外街道"]  # both 1 overdue; B's rate is lower
    late = {x.unit_name for x in st.late_units}
    assert late == {"朝外街道"}  # B: 23 days; A inspected today; the 81 silent units are not started or owe nothing, not late


async def test_unit_status_is_limited_to_the_unit(uow: UowFactory) -> None:
    ids = await build(uow)
    service = SummaryService(uow, fixed_clock(NOW), RULES)
    a = await service.status(ids["A"])
    b = await service.status(ids["B"])
    assert a.scope_name == "建外街道" and b.scope_name == "朝外街道"
    assert (a.rectification.numerator, a.rectification.denominator, a.rectification.value) == (3, 7, Decimal("0.4286"))
    assert (b.rectification.numerator, b.rectification.denominator) == (0, 1)
    assert (a.coverage.numerator, a.coverage.denominator) == (4, 10)
    assert (b.coverage.numerator, b.coverage.denominator) == (2, 5)  # the 2018 plan of B is not this year's
    assert a.verification.target == Decimal("0.2") and b.verification.target == Decimal("0.5")
    assert (b.verification.numerator, b.verification.denominator) == (0, 0) and b.verification.percent() == "—"
    assert (a.overdue, b.overdue, a.major_open, b.major_open) == (1, 1, 1, 1)
    assert a.units[0].days_since_update == 0 and b.units[0].days_since_update == 23
    assert (a.supervised, b.supervised) == (2, 0)
    assert (a.late_monthly_units, b.late_monthly_units) == ([], ["朝外街道"])


async def test_status_a_year_later_uses_the_new_year(uow: UowFactory) -> None:
    await build(uow)
    async with uow() as u:
        st = await compute_status(u.session, sh(date(2020, 1, 2), 8), rules=RULES)
    # 2020 denominator: open at 2020-01-01 (h1 h2 h7 h8 h11) and nothing closed since → 0 of 5
    assert (st.rectification.numerator, st.rectification.denominator) == (0, 5)
    assert st.coverage.denominator == 0 and st.coverage.value is None
    assert st.overdue == 4  # h1, h2 (07-01), h8 (06-12), h11
    assert st.coverage_milestone == Decimal("1.00")
    assert st.monthly_report_period == "2019-12"  # 2019-12-31 was a Tuesday
    assert sorted(st.late_monthly_units) == sorted(["建外街道", "朝外街道"]) and len(st.not_started_units) == 77


async def test_rankings_order_units_on_each_criterion(uow: UowFactory) -> None:
    ids = await build(uow)
    service = SummaryService(uow, fixed_clock(NOW), RULES)
    table = await service.rankings()
    by_id = {r.line.unit_id: r for r in table}
    a, b = by_id[ids["A"]], by_id[ids["B"]]
    assert table[0].line.unit_id == ids["A"] and table[1].line.unit_id == ids["B"]
    assert (a.rank_rectification, b.rank_rectification) == (1, 2)
    assert {r.rank_rectification for r in table[2:]} == {3}  # no registered hazards: shared last place
    assert a.rank_overdue == b.rank_overdue == 1  # both 1 overdue; the 77 others have not started: not placed
    assert len(table) == 79 and "区财政局" not in {r.line.unit_name for r in table}  # duties only (方案 三)
    assert (a.rank_freshness, b.rank_freshness) == (1, 2)
    assert rank([]) == []


def test_the_month_due_follows_the_reminders_calendar() -> None:
    cal, issued = RULES.cal, RULES.campaign.issued
    # 2019-06-28 (Friday) is June's last working day: June is due from the 29th, not on the 28th
    assert monthly_report_due(date(2019, 6, 28), cal, issued) == "2019-05"
    assert monthly_report_due(date(2019, 6, 29), cal, issued) == "2019-06"
    # 2019-09-29 (Sunday) was a make-up working day, but the 30th (Monday) is September's last: due from 1 October
    assert cal.is_working_day(date(2019, 9, 29)) and cal.last_working_day(2019, 9) == date(2019, 9, 30)
    assert monthly_report_due(date(2019, 9, 30), cal, issued) == "2019-08"
    assert monthly_report_due(date(2019, 10, 1), cal, issued) == "2019-09"
    assert monthly_report_due(date(2019, 1, 2), cal, issued) == "2018-12"
    # nothing was owed for months that ended by the day the plan was issued (2018-09-30)
    assert monthly_report_due(date(2018, 10, 15), cal, issued) is None
    assert monthly_report_due(date(2018, 11, 1), cal, issued) == "2018-10"


async def test_spot_checks_recorded_with_verify_count_as_verification(uow: UowFactory) -> None:
    """h10 (closed 2019-01-02) checked by the office in March counts; a pending check of h5 and a check
    made in 2018 (h4's earlier round) do not add anything: verified 1 of 3 becomes 2 of 3."""
    from storage.models_lifecycle import Verification

    H = await build(uow)
    async with uow() as u:
        u.session.add_all([
            Verification(hazard_id=H["h10"], result="passed", checked_at=sh(date(2019, 3, 10))),
            Verification(hazard_id=H["h5"], result="pending"),
            Verification(hazard_id=H["h4"], result="passed", checked_at=sh(date(2018, 12, 20))),
        ])
        await u.commit()
    async with uow() as u:
        district = await compute_status(u.session, NOW, rules=RULES)
        unit_a = await compute_status(u.session, NOW, unit_id=H["A"], rules=RULES)
    assert (district.verification.numerator, district.verification.denominator) == (2, 3)
    assert (unit_a.verification.numerator, unit_a.verification.denominator) == (2, 3)


def test_a_share_is_rounded_once_for_its_percentage() -> None:
    from bot.services.summary import Rate

    assert Rate(3, 17).percent() == "17.6%"  # 17.647…: rounding the 4-decimal share again gave 17.7%
    assert (Rate(1, 8).percent(), Rate(2, 3).percent(), Rate(0, 0).percent()) == ("12.5%", "66.7%", "—")
