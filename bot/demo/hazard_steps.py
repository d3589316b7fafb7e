"""The steps of one demo hazard's life (``bot.demo.seed`` schedules them): submitted by an inspector (附件2), the five
implementations and approval by the unit's reviewer, registration, supervision and closure by the office, rectification
reported by one inspector and re-inspected by the other (方案 四(三): not the one who reported it)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol

from bot.demo import texts
from bot.demo.people import UnitStaff
from bot.domain import HazardState
from bot.services.lifecycle import FiveImplementations
from bot.services.lifecycle_service import Document


class DemoDistrict(Protocol):
    """What a hazard's steps use of ``bot.demo.seed.DemoDistrict`` (a protocol, so that the seed, which makes the
    steps, and the steps do not import each other)."""

    rng: random.Random
    cast: Any
    core: Any
    sv: Any
    tally: Any

    def hazard_type(self, staff: UnitStaff) -> texts.Kind:
        """A subtype of the taxonomy for a hazard ``staff`` records (a department: of its own industry)."""

    def where(self, staff: UnitStaff) -> tuple[str, str, float, float]:
        """A random place of ``staff``'s scope: (township code, township name, latitude, longitude)."""

    async def submit_form(self, person: Any, form: str, data: dict[str, Any], **context: Any) -> Any:
        """Fill and submit ``form`` with ``data`` as ``person``, opened with ``context``; returns the
        submission's outcome."""


class HazardSteps:
    """One hazard's steps, each a call of the service the bot's button or form calls (its id is known once
    submitted); ``district`` schedules them."""

    def __init__(self, district: DemoDistrict, staff: UnitStaff, target: HazardState, major: bool,
                 deadline: date) -> None:
        self.d, self.staff, self.target, self.major, self.deadline = district, staff, target, major, deadline
        self.id = 0
        self.extension_id = 0
        self.tipoff_context: dict[str, Any] = {}  # the tip-off the hazard was found from (``tipoff``), as 查实 opens it
        rng = district.rng
        self.kind = district.hazard_type(staff)
        self.code, self.township, self.lat, self.lon = district.where(staff)
        self.site, self.address = texts.place(rng, self.code, self.township, rng.choice(self.kind.sites))
        self.description, self.measures = rng.choice(self.kind.cases)
        self.inspector = rng.choice(staff.inspectors)
        self.second = next(p for p in staff.inspectors if p is not self.inspector)
        assert staff.reviewer is not None
        self.reviewer = staff.reviewer

    def tipoff(self, reporter: Any) -> Callable[[], Any]:
        """A step in which ``reporter`` (a member of the public) reports the hazard's case at its address (the
        ``tipoff`` form) and the inspector opens it to verify; ``submit`` then makes the hazard of it (查实)."""
        async def step() -> None:
            d = self.d
            data = texts.tipoff(self.description, self.township, self.address, self.lat, self.lon)
            submitted = await d.submit_form(reporter, "tipoff", data, locale="zh")
            card = await d.sv.tipoffs.open_card(self.inspector.actor, submitted.record_id)
            # the context tipoffs.confirm gives the hazard form: submitting it claims the tip-off and tells the reporter
            self.tipoff_context = {"tipoff_id": submitted.record_id, "tipoff_number": card.number}
            d.tally.tipoffs += 1
        return step

    async def submit(self) -> None:
        """The inspector reports the hazard (the ``hazard`` form with made-up answers; from a tip-off: source 举报,
        the tip-off found true); sets ``id``."""
        d, rng, kind = self.d, self.d.rng, self.kind
        district, city = texts.departments(rng, kind, None if self.staff.is_township else self.staff.name)
        # a 违建性质 mostly where the hazard is an illegal building's own, now and then on another site
        of_illegal_building = any(w in self.description + self.site for w in texts.ILLEGAL_WORDS)
        illegal = rng.random() < (0.8 if of_illegal_building else 0.05)
        area = rng.randint(20, 600) if illegal else None
        data: dict[str, Any] = {
            "township": self.township, "site_name": self.site,
            "address": {"address": self.address, "lat": self.lat, "lon": self.lon},
            "person_in_charge": texts.person_name(rng), "phone": f"13{rng.randint(0, 9)}{rng.randint(10**7, 10**8 - 1)}",
            "entity_nature": rng.choice(texts.ENTITY_NATURES), "occupant_count": rng.randint(3, 400),
            "parent_group": None, "district_department": district, "city_department": city,
            "source": "举报" if self.tipoff_context else "检查",
            "description": self.description,
            "hazard_type": [kind.category, kind.subtype] if kind.subtype else [kind.category],
            "level": "重大隐患" if self.major else "一般隐患",
            "illegal_building_nature": rng.choice(("集体土地违建", "农民宅基地违建")) if illegal else "无",
            "illegal_area": str(area) if area else None,
            "demolished_area": str(rng.randint(0, area)) if area else None,
            "measures": self.measures, "deadline": self.deadline.isoformat(), "photos": [], "remarks": None,
        }
        submitted = await d.submit_form(self.inspector, "hazard", data, **self.tipoff_context)
        self.id = submitted.record_id
        d.tally.hazards += 1

    async def approve(self) -> None:
        """The unit's reviewer sets the 五落实 plan and approves the report."""
        await self.d.sv.lifecycle.set_plan(self.reviewer.actor, self.id, self._five())
        await self.d.sv.lifecycle.approve(self.reviewer.actor, self.id, "情况属实，同意上报")
        self.d.tally.steps += 2

    async def reject(self) -> None:
        """The unit's reviewer rejects the report."""
        await self.d.sv.lifecycle.reject(self.reviewer.actor, self.id, "不属于安全隐患，属日常管理问题")
        self.d.tally.steps += 1

    async def office_reject(self) -> None:
        """The office rejects the report as a duplicate."""
        await self.d.sv.lifecycle.reject(self.d.cast.office.actor, self.id, "与已登记隐患重复")
        self.d.tally.steps += 1

    async def register(self) -> None:
        """The office registers the hazard in the ledger (it gets its ledger number)."""
        await self.d.sv.lifecycle.register(self.d.cast.office.actor, self.id)
        self.d.tally.steps += 1

    def supervise(self, level: str) -> Callable[[], Any]:
        """A step in which the office puts the hazard under supervision at ``level``."""
        async def step() -> None:
            await self.d.sv.lifecycle.supervise(self.d.cast.office.actor, self.id, level, "限期整改，按周报告进展")
            self.d.tally.steps += 1
        return step

    async def rectify(self) -> None:
        """The second inspector reports the rectification with an acceptance document."""
        stored = await self.d.sv.acceptance_documents.keep(texts.ONE_PAGE_PDF, "整改验收单.pdf")
        await self.d.sv.lifecycle.report_rectification(
            self.second.actor, self.id, self._five(with_deadline=False), document=Document(stored.name, stored=stored),
            note="已按五落实完成整改并自行验收")
        self.d.tally.steps += 1

    def reinspect(self, passed: bool) -> Callable[[], Any]:
        """A step in which the inspector re-inspects today: passed, or failed with a new deadline 10–25 days
        on."""
        async def step() -> None:
            clock = self.d.core.clock
            again = None if passed else clock.today() + timedelta(days=self.d.rng.randint(10, 25))
            await self.d.sv.lifecycle.reinspect(
                self.inspector.actor, self.id, clock.today(), passed, new_deadline=again,
                note=None if passed else "整改不彻底，限期重新整改", inspectors=self.inspector.name)
            self.d.tally.steps += 1
        return step

    async def ask_extension(self) -> None:
        """The unit asks the office for a later deadline (form ``deadline_extension``, 方案 四(三))."""
        later = self.deadline + timedelta(days=self.d.rng.choice((15, 30, 45)))
        data = {"new_deadline": later.isoformat(), "reason": "整改涉及设备采购，工期需延长"}
        submitted = await self.d.submit_form(self.reviewer, "deadline_extension", data, hazard_id=self.id)
        self.extension_id = submitted.record_id
        self.d.tally.steps += 1

    async def approve_extension(self) -> None:
        """The office approves the pending deadline extension."""
        await self.d.sv.deadlines.approve(self.d.cast.office.actor, self.extension_id)
        self.d.tally.steps += 1

    async def close(self) -> None:
        """The office closes the hazard (销账)."""
        await self.d.sv.lifecycle.close(self.d.cast.office.actor, self.id, "复查合格，同意销账")
        self.d.tally.steps += 1

    def _five(self, *, with_deadline: bool = True) -> FiveImplementations:
        """The five implementations; the deadline only before registration (after it, only the office moves it)."""
        rng = self.d.rng
        return FiveImplementations(
            responsibility=f"{self.site}负责人", measures=self.measures,
            funds=Decimal(rng.choice(("0.5", "1.2", "3", "8.5", "15"))), deadline=self.deadline if with_deadline else None,
            contingency_plan="整改期间设专人看守，设置警示标志")
