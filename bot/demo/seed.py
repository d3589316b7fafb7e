"""Filling a demo district through the services (``hazardbot demo``): annual plans (附件3), inspections (附件1) and
hazards (附件2) submitted by the units' inspectors, approved or rejected by their reviewers, registered, supervised
(挂牌督办), rectified, re-inspected (some failing), closed and spot-checked (核查) by the office — each step by the
service the bot calls, at its own simulated past instant (``bot.demo.timeline``), so every number, derived column and
event is the bot's own. The same seed gives the same district."""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any

from bot.core import Core
from bot.demo import texts
from bot.demo.hazard_steps import HazardSteps
from bot.demo.people import Cast, Person, UnitStaff
from bot.demo.timeline import Timeline
from bot.domain import DraftStatus, HazardState
from bot.forms.prompt import Submitted
from bot.map_data import pull_inside
from bot.services.form_submitters import SUBMITTERS
from bot.services.notices import queue_notices
from bot.services.submission import Submission, SubmitDeps
from bot.services.verification import VerificationService
from reminders import delivery
from reminders.submissions import Upload
from storage.models import Draft
from storage.registry import townships

S = HazardState
# the state each hazard is taken to, and how often (a few of the closed ones are later found to have rebounded)
TARGETS = (S.PENDING_REVIEW, S.PENDING_CONFIRMATION, S.REJECTED, S.REGISTERED, S.RECTIFIED, S.CLOSURE_REQUESTED,
           S.CLOSED)
WEIGHTS = (8, 6, 5, 33, 8, 5, 35)
MAJOR_SHARE = 0.12
# a township's hazards that began as a tip-off from the public, found true (查实) by its inspector: with the tip-offs
# found 不属实 (``_schedule_tipoff``), about half of the handled tip-offs
TIPOFF_SHARE = 0.07
JITTER = 0.012  # degrees around a township's label point (about 1 km)


@dataclass
class Tally:
    """What the seeding made, for ``hazardbot demo``'s closing line: records submitted by kind (hazards,
    inspections, plans, work reports, tip-offs), ``steps`` taken on them afterwards (approvals, registrations,
    spot-checks…), ``by_target`` how many hazards were scheduled towards each state (``HazardState`` value) and
    ``by_source`` how many hazards of a source other than 检查 were scheduled (举报: from a tip-off found true)."""

    hazards: int = 0
    inspections: int = 0
    plans: int = 0
    work_reports: int = 0
    tipoffs: int = 0
    steps: int = 0
    by_target: dict[str, int] = field(default_factory=dict)
    by_source: dict[str, int] = field(default_factory=dict)


def _centres() -> dict[str, tuple[float, float]]:
    text = (resources.files("config") / "data" / "township-labels.csv").read_text(encoding="utf-8")
    return {r["code"]: (float(r["latitude"]), float(r["longitude"])) for r in csv.DictReader(text.splitlines())}


class DemoDistrict:
    """Schedules the district's months on ``timeline`` (``plan``) for the people of ``cast``; ``Timeline.run`` then
    takes every step. ``now``: the real instant (every step is before it, a few of them earlier today);
    ``start``: the first day."""

    def __init__(self, core: Core, cast: Cast, rng: random.Random, timeline: Timeline, start: date,
                 now: datetime) -> None:
        self.core, self.cast, self.rng, self.tl = core, cast, rng, timeline
        local = now.astimezone(timeline.tz)
        self.start, self.today = start, local.date()
        hour = local.hour + local.minute / 60
        # the last working moment before now: earlier today once the office has opened, else yesterday evening
        self.last_day, self.last_hour = (self.today, hour - 0.2) if hour >= 9.5 else (self.today - timedelta(days=1), 18.0)
        self.tally = Tally()
        self.centres = _centres()
        self.township_names = {t.code: t.name for t in townships()}
        self.deps = SubmitDeps(core.settings, core.rules.campaign, core.services.evidence, core.services.lifecycle,
                               core.services.verification)
        self.sv = core.services

    # ---- the schedule --------------------------------------------------------------------------------------------

    def plan(self, hazard_count: int) -> None:
        """Plans in the first weeks, inspections all along, ``hazard_count`` hazards, a spot check near the end."""
        for staff in self.cast.units:
            for year in range(self.start.year, self.today.year + 1):
                first = max(self.start, date(year, 1, 1))
                self._add(first + timedelta(days=self.rng.randint(1, 20)), self._file_plan(staff, year))
            self._schedule_inspections(staff)
            self._schedule_work_info(staff)
        # every state at least once, however few; then one hazard for each zone committee at least, so that every
        # zone's /status has something to count
        zones = [u for u in self.cast.units if u.area and not u.is_township]
        for i in range(hazard_count):
            target = TARGETS[i] if i < len(TARGETS) else self.rng.choices(TARGETS, WEIGHTS)[0]
            by = i - len(TARGETS)
            self._schedule_hazard(target, zones[by] if 0 <= by < len(zones) else None)
        self._add(self.today - timedelta(days=3), self._spot_check, hour=15.0)
        for _ in range(max(3, hazard_count // 20)):
            self._schedule_tipoff()

    def _add(self, day: date, step: Callable[[], Any], hour: float | None = None,
             after: datetime | None = None) -> datetime:
        """Run ``step`` on ``day`` (at ``hour``, else some time in office hours), and at least an hour ``after``
        (the step before it of the same record); never on or after today."""
        day = min(day, self.last_day)
        latest = self.last_hour if day == self.last_day else 18.0
        when = self.tl.at(day, min(hour if hour is not None else self.rng.uniform(8.5, 18.0), latest))
        if after is not None and when <= after:
            when = after + timedelta(hours=self.rng.uniform(1.0, 3.0))
        self.tl.add(when, step)
        return when

    def _day(self, earliest: date, latest: date) -> date:
        earliest = max(earliest, self.start)
        latest = max(latest, earliest)
        return earliest + timedelta(days=self.rng.randint(0, (latest - earliest).days))

    def hazard_type(self, staff: UnitStaff) -> texts.Kind:
        """A subtype of the taxonomy, weighted as an urban district's; a department's of its own industry."""
        return texts.kind(self.rng, None if staff.is_township or staff.area else staff.name)

    def where(self, staff: UnitStaff) -> tuple[str, str, float, float]:
        """Where a unit's record lies: a township of its area (a department's: anywhere) — code, name, latitude and
        longitude about its centre."""
        code = self.rng.choice(staff.area or tuple(self.centres))
        name = self.township_names[code]
        lat, lon = self.centres[code]
        dlat, dlon = self.rng.uniform(-JITTER, JITTER), self.rng.uniform(-JITTER, JITTER) * 1.3
        x, y = pull_inside(lon, lat, (dlon, dlat))  # never over the district's outline on the map
        return code, name, y, x

    # ---- 附件3 plans and 附件1 inspections ---------------------------------------------------------------------

    def _file_plan(self, staff: UnitStaff, year: int) -> Callable[[], Any]:
        target = self.rng.randrange(24, 72, 4)  # 家次 a year: a unit of this demo inspects about twice a month
        ratio = self.rng.choice(("10", "15", "20"))
        rows = [{"schedule": f"{year}年{q}季度", "participants": "安全科全体", "areas": "辖区全部点位",
                 "key_content": self.rng.choice(("出租房屋、人员密集场所", "建设工地、燃气", "地下空间、电梯"))}
                for q in (1, 2, 3, 4)]
        data = {"year": year, "inspection_target": target, "verification_ratio": ratio, "arrangements_rows": rows,
                "remarks": None}
        assert staff.reviewer is not None
        reviewer = staff.reviewer

        async def step() -> None:
            await self.submit_form(reviewer, "plan", data)
            self.tally.plans += 1
        return step

    def _schedule_inspections(self, staff: UnitStaff) -> None:
        day = self.start + timedelta(days=self.rng.randint(0, 10))
        late = self.rng.random() < 0.15  # a few units fall behind with their fortnightly update
        stop = self.today - timedelta(days=self.rng.randint(18, 40)) if late else self.today + timedelta(days=1)
        while day < stop:
            self._add(day, self._inspect(staff, day))
            day += timedelta(days=self.rng.randint(7, 21))

    def _inspect(self, staff: UnitStaff, day: date) -> Callable[[], Any]:
        rng = self.rng
        kind = self.hazard_type(staff)
        code, township, lat, lon = self.where(staff)
        site, address = texts.place(rng, code, township, rng.choice(kind.sites))
        penalty = rng.choices(("无", "责令整改", "罚款", "停产停业"), (60, 28, 10, 2))[0]
        data: dict[str, Any] = {
            "inspected_on": min(day, self.last_day).isoformat(), "inspecting_unit": staff.name,
            "inspection_type": rng.choices(("日常检查", "抽查", "其他"), (80, 15, 5))[0],
            "inspector_count": rng.randint(2, 4), "township": township, "site_name": site,
            "address": {"address": address, "lat": lat, "lon": lon}, "hazards": [],
            "penalty_type": penalty, "fine_amount": str(rng.choice((0.5, 1, 2, 3, 5))) if penalty == "罚款" else None,
            "remarks": None, "photos": [],
        }
        inspector = rng.choice(staff.inspectors)

        async def step() -> None:
            await self.submit_form(inspector, "inspection", data)
            self.tally.inspections += 1
        return step

    def _schedule_work_info(self, staff: UnitStaff) -> None:
        """The monthly work information (方案 五(二)) by the unit's reviewer, late in each month, some with a PDF
        (建外街道's always); a few units miss the last month."""
        month = self.start.replace(day=1)
        skips_last = self.rng.random() < 0.15
        while month < self.today.replace(day=1):
            following = (month + timedelta(days=32)).replace(day=1)
            if not (skips_last and following == self.today.replace(day=1)):
                day = month + timedelta(days=self.rng.randint(19, 27))
                if day >= self.start:
                    self._add(day, self._work_info(staff, month))
            month = following

    def _work_info(self, staff: UnitStaff, month: date) -> Callable[[], Any]:
        checks, found = self.rng.randint(8, 60), self.rng.randint(1, 12)
        text = (f"{staff.name}{month.month}月工作信息：本月开展城市安全隐患排查{checks}家次，发现隐患{found}处，"
                f"已督促整改{self.rng.randint(0, found)}处；重点检查出租房屋、人员密集场所和建设工地。")
        with_file = staff is self.cast.units[0] or self.rng.random() < 0.3
        upload = Upload(texts.ONE_PAGE_PDF, f"{month.month}月工作信息.pdf") if with_file else None
        assert staff.reviewer is not None
        reviewer = staff.reviewer

        async def step() -> None:
            await self.sv.work_reports.submit(reviewer.actor, reviewer.actor.grants[0].unit_id, "work_info", text,
                                              upload=upload)
            self.tally.work_reports += 1
        return step

    def _schedule_tipoff(self) -> None:
        """A tip-off from the public (群众举报) in a staffed township that no hazard comes of: older ones found 不属实
        by its inspector, recent ones still awaiting verification (those found true are ``HazardSteps.tipoff``)."""
        rng = self.rng
        staff = rng.choice([u for u in self.cast.units if u.is_township])
        reporter = rng.choice(self.cast.public)
        day = self._day(self.today - timedelta(days=40), self.today)
        description, _measures = rng.choice(self.hazard_type(staff).cases)
        code, township, lat, lon = self.where(staff)
        _site, address = texts.place(rng, code, township)
        data = texts.tipoff(description, township, address, lat, lon)
        inspector = staff.inspectors[0]
        made: dict[str, int] = {}

        async def report() -> None:
            submitted = await self.submit_form(reporter, "tipoff", data, locale="zh")
            made["id"] = submitted.record_id
            self.tally.tipoffs += 1

        async def not_confirmed() -> None:
            await self.sv.tipoffs.reject(inspector.actor, made["id"], rng.randrange(4))

        last = self._add(day, report)
        if day < self.today - timedelta(days=7):
            self._add(day + timedelta(days=rng.randint(1, 5)), not_confirmed, after=last)

    # ---- 附件2 hazards through their life cycle ---------------------------------------------------------------

    def _schedule_hazard(self, target: HazardState, staff: UnitStaff | None = None) -> None:
        """One hazard of ``staff`` (None: a unit drawn) taken to ``target`` through the steps of its life."""
        rng, today = self.rng, self.today
        self.tally.by_target[target.value] = self.tally.by_target.get(target.value, 0) + 1
        # 建外街道, whose reviewer the closing table names, is a little busier, with more waiting for review
        showcase = self.cast.units[0]
        if staff is None:
            busier = target == S.PENDING_REVIEW and rng.random() < 0.4
            staff = showcase if busier else rng.choice([showcase] * 4 + self.cast.units)
        if target == S.PENDING_REVIEW:
            d0 = self._day(today - timedelta(days=10), today)
        elif target == S.PENDING_CONFIRMATION:
            d0 = self._day(today - timedelta(days=14), today - timedelta(days=3))
        elif target in (S.CLOSED, S.CLOSURE_REQUESTED):
            d0 = self._day(self.start, today - timedelta(days=30))
        elif target == S.REGISTERED and rng.random() < 0.75:  # most open ones recent, so that some, not all, are late
            d0 = self._day(today - timedelta(days=100), today - timedelta(days=12))
        else:
            d0 = self._day(self.start, today - timedelta(days=12))
        major = rng.random() < MAJOR_SHARE
        deadline = d0 + timedelta(days=rng.randint(25, 110) if target == S.REGISTERED else rng.randint(20, 60))
        hazard = HazardSteps(self, staff, target, major, deadline)
        last = None
        # the first such hazard always, so that even a small demo has a tip-off found true
        found = not self.tally.by_source.get("举报") or rng.random() < TIPOFF_SHARE
        if staff.is_township and target not in (S.PENDING_REVIEW, S.REJECTED) and found:
            self.tally.by_source["举报"] = self.tally.by_source.get("举报", 0) + 1
            reported = self._day(d0 - timedelta(days=5), d0 - timedelta(days=1))
            last = self._add(reported, hazard.tipoff(rng.choice(self.cast.public)))
        last = self._add(d0, hazard.submit, after=last)
        if target == S.PENDING_REVIEW:
            return
        if target == S.REJECTED and rng.random() < 0.7:
            last = self._add(d0 + timedelta(days=rng.randint(0, 2)), hazard.reject, after=last)
            return
        approved = d0 + timedelta(days=rng.randint(0, 2))
        last = self._add(approved, hazard.approve, after=last)
        if target == S.PENDING_CONFIRMATION:
            return
        if target == S.REJECTED:
            last = self._add(approved + timedelta(days=1), hazard.office_reject, after=last)
            return
        registered = approved + timedelta(days=rng.randint(1, 3))
        last = self._add(registered, hazard.register, after=last)
        if major:
            level = rng.choice(("区政府", "区安委会"))
            last = self._add(registered + timedelta(days=1), hazard.supervise(level), after=last)
        elif deadline < today - timedelta(days=10) and target == S.REGISTERED and rng.random() < 0.4:
            last = self._add(deadline + timedelta(days=5), hazard.supervise("街乡"), after=last)
        if target == S.REGISTERED:
            asked = deadline - timedelta(days=rng.randint(2, 6))
            if rng.random() < 0.12 and asked > registered:  # 延期: asked for by the unit, mostly approved by the office
                last = self._add(asked, hazard.ask_extension, after=last)
                if rng.random() < 0.7:
                    self._add(asked + timedelta(days=rng.randint(1, 2)), hazard.approve_extension, after=last)
            return
        latest = today - timedelta(days=4)
        fixed = self._day(registered + timedelta(days=3), min(deadline, latest))
        if fixed <= registered:
            fixed = registered + timedelta(days=1)
        last = self._add(fixed, hazard.rectify, after=last)
        if target == S.RECTIFIED:
            return
        checked = fixed + timedelta(days=rng.randint(1, 3))
        if rng.random() < 0.12 and checked + timedelta(days=8) < latest:  # 复查不合格: fixed again, then it passes
            last = self._add(checked, hazard.reinspect(False), after=last)
            fixed = checked + timedelta(days=rng.randint(3, 6))
            last = self._add(fixed, hazard.rectify, after=last)
            checked = fixed + timedelta(days=rng.randint(1, 2))
        last = self._add(checked, hazard.reinspect(True), after=last)
        if target == S.CLOSED:
            last = self._add(checked + timedelta(days=rng.randint(0, 2)), hazard.close, after=last)

    async def _spot_check(self) -> None:
        """The office draws its 核查 sample of what was closed (plan ratios) and records most of it: two rebound."""
        office = self.cast.office.actor
        drawer = VerificationService(self.core.uow, self.core.clock, rng=random.Random(self.rng.random()))
        await drawer.draw(office, self.start, self.today - timedelta(days=4))
        pending = await self.sv.verification.pending(office)
        done = pending[: max(1, len(pending) * 2 // 3)]
        for n, check in enumerate(done):
            failed = n in (1, 4)
            await self.sv.verification.record(
                office, check.verification_id, passed=not failed,
                note="核查发现隐患反弹：堆物复现" if failed else "现场核查，整改到位",
                new_deadline=self.today + timedelta(days=20) if failed else None)
        self.tally.steps += len(done)

    async def submit_form(self, person: Person, form: str, data: dict[str, Any], **context: Any) -> Submitted:
        """``form`` submitted as the form service does once its answers are complete: the form's submitter in one
        unit of work with the notices it owes (answers already clean: ISO dates, decimal strings, lists); the draft's
        context is the person's unit and ``context`` (e.g. ``hazard_id`` for a life-cycle form)."""
        core = self.core
        async with core.uow() as u:
            unit = {"unit_id": person.actor.grants[0].unit_id} if person.actor.grants else {}
            draft = Draft(user_id=person.actor.user_id, form=form, data=data, context={**unit, **context},
                          status=DraftStatus.SUBMITTED.value)
            u.session.add(draft)
            await u.session.flush()
            sub = Submission(u.session, person.actor, draft, data, core.clock.today(), core.clock(), self.deps)
            submitted = await SUBMITTERS[form].submit(sub)
            await queue_notices(u.session, f"draft:{draft.id}", sub.notices, core.clock())
            await u.commit()
        return submitted

    async def settle_notices(self, now: datetime) -> int:
        """Mark the notices the months queued as delivered (``reminders.delivery``): they were due long ago, and a
        terminal conversation would otherwise print every one of them at its first step."""
        settled = 0
        async with self.core.uow() as u:
            while rows := await delivery.claim(u.session, "demo", 500, now, timedelta(minutes=5)):
                await delivery.settle(u.session, "demo", [delivery.Outcome("sent", row.id, at=now, message_id=0)
                                                          for row in rows])
                settled += len(rows)
            await u.commit()
        return settled
