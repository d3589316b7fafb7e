"""The life-cycle steps that need more than a press, as forms (``config/forms/``): each is opened on one
hazard (``context["hazard_id"]``) or drawn check (``context["verification_id"]``), starts with the
hazard's current values ("keep as it is"), and on submission calls the life-cycle service in the form's
own unit of work. Registered in ``bot.services.form_submitters``.

hazard_reject (reason, 方案 四(二)) · five_implementations (五落实, 附件2 填表说明 15) · rectification (五落实 and
验收 evidence: photos and/or one document, 方案 四(三)) · reinspection (复查: date, people, result; on 不合格 a
reason and new deadline) · lookback (回头看: date, people, rebound or not, 方案 四(四)) · verification_fail
(核查 failed: reason, new deadline, photos).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import PhotoStage
from bot.forms.prompt import Submitted
from bot.services.errors import NotFound
from bot.services.evidence import record_watermark
from bot.services.lifecycle import FiveImplementations
from bot.services.lifecycle_service import Document, LifecycleService, load_plan
from bot.services.submission import Submission
from bot.services.transitions import Outcome
from bot.services.verification import VerificationService
from storage.models import Hazard
from storage.models_lifecycle import Verification

#: the values of the reinspection form's hidden ``result`` (the button pressed: 复查合格 / 复查不合格)
PASSED, FAILED = "合格", "不合格"
#: the values of the lookback form's hidden ``rebound`` (the button pressed: 无反弹 / 反弹)
NO_REBOUND, REBOUND = "无反弹", "反弹"


async def hazard_of(session: AsyncSession, context: dict[str, Any]) -> Hazard:
    """The hazard a life-cycle form is about: ``hazard_id``, or the hazard of check ``verification_id``.
    Raises ``NotFound``."""
    hazard_id = context.get("hazard_id")
    if hazard_id is None and context.get("verification_id") is not None:
        check = await session.get(Verification, int(context["verification_id"]))
        hazard_id = check.hazard_id if check is not None else None
    hazard = await session.get(Hazard, int(hazard_id)) if hazard_id is not None else None
    if hazard is None:
        raise NotFound(what="hazard", id=hazard_id)
    return hazard


async def about(session: AsyncSession, context: dict[str, Any]) -> dict[str, Any]:
    """Names the hazard in the form's prompts (``context["subject"]``: ledger or draft number · site, issue 15
    item 7) and carries its level (hidden field ``level``: 一般隐患 is not asked 资金/预案) and whether it is on the
    ledger (hidden ``registered``: its deadline is then not asked, only an approved extension moves it)."""
    hazard = await hazard_of(session, context)
    number = hazard.ledger_number or hazard.draft_number or ""
    context["subject"] = " · ".join(p for p in (number, hazard.site_name or "") if p)
    return {"level": hazard.level, "registered": "yes" if hazard.registered_at else "no"}


async def plan_prefill(session: AsyncSession, context: dict[str, Any]) -> dict[str, Any]:
    """The hazard's current five implementations (its plan row, else the ledger's measures and deadline)."""
    prefill = await about(session, context)
    _row, plan = await load_plan(session, await hazard_of(session, context))
    values = {
        "responsibility": plan.responsibility, "measures": plan.measures,
        "funds": None if plan.funds is None else _amount(plan.funds),
        "deadline": plan.deadline.isoformat() if plan.deadline else None,
        "contingency_plan": plan.contingency_plan,
    }
    return {**prefill, **{k: v for k, v in values.items() if v not in (None, "")}}


def _amount(value: Decimal) -> str:
    return format(value.normalize(), "f")  # 1.5000 → 1.5, as it would be typed


def _lifecycle(sub: Submission) -> LifecycleService:
    assert sub.deps.lifecycle is not None, "FormService built without the life-cycle service"
    return sub.deps.lifecycle


def _verification(sub: Submission) -> VerificationService:
    assert sub.deps.verification is not None, "FormService built without the verification service"
    return sub.deps.verification


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _photos(sub: Submission, key: str = "photos") -> list[int]:
    return [int(p) for p in sub.data.get(key) or []]


def _plan(data: dict[str, Any]) -> FiveImplementations:
    return FiveImplementations(
        data.get("responsibility") or None, data.get("measures") or None,
        Decimal(data["funds"]) if data.get("funds") not in (None, "") else None,
        _date(data.get("deadline")), data.get("contingency_plan") or None,
    )


async def _done(sub: Submission, outcome: Outcome, photo_ids: list[int], stage: PhotoStage) -> Submitted:
    """The ``Submitted`` of a step, after stamping its photos' evidence copies with the hazard's number,
    unit and address (the copies were left unmarked on receipt)."""
    evidence = sub.deps.evidence
    hazard = await sub.session.get(Hazard, outcome.hazard_id)
    assert hazard is not None
    if evidence is not None and photo_ids:
        info = await record_watermark(sub.session, hazard, received_at=sub.now, stage=stage.value,
                                      inspector_name=sub.actor.record_name)
        await evidence.stamp(sub.session, photo_ids, info)
    number = outcome.ledger_number or hazard.ledger_number or hazard.draft_number or ""
    return Submitted("lifecycle", outcome.hazard_id, number, outcome.to_state.value, len(photo_ids),
                     detail=outcome)


async def reject(sub: Submission) -> Submitted:
    """Reject the hazard with the reason (方案 四(二)): ``LifecycleService.reject``; the submitter is told."""
    outcome = await _lifecycle(sub).reject(sub.actor, int(sub.context["hazard_id"]), sub.data.get("reason"),
                                           session=sub.session)
    return await _done(sub, outcome, [], PhotoStage.DISCOVERY)


async def set_plan(sub: Submission) -> Submitted:
    """Store the five implementations (附件2 填表说明 15; funds in 万元, deadline a date); a skipped answer keeps
    the current value (``LifecycleService.set_plan``)."""
    outcome = await _lifecycle(sub).set_plan(sub.actor, int(sub.context["hazard_id"]), _plan(sub.data),
                                             session=sub.session)
    return await _done(sub, outcome, [], PhotoStage.RECTIFICATION)


async def rectify(sub: Submission) -> Submitted:
    """Report the rectification done and accepted (方案 四(三)) with the evidence photos and/or document.
    Raises ``EvidenceRequired``, ``FiveImplementationsMissing`` (the form stays open to mend them)."""
    photos = _photos(sub, "evidence")
    outcome = await _lifecycle(sub).report_rectification(
        sub.actor, int(sub.context["hazard_id"]), _plan(sub.data), photo_ids=photos,
        document=Document.from_answer(sub.data.get("evidence_document")), session=sub.session,
    )
    return await _done(sub, outcome, photos, PhotoStage.ACCEPTANCE)


async def reinspect(sub: Submission) -> Submitted:
    """Record the re-inspection (复查, 方案 四(三)) on its date (not after today) by the people named; a failure
    with its reason and new deadline. Raises ``ReinspectorMustDiffer`` (the form ends)."""
    passed = sub.data.get("result") == PASSED
    photos = _photos(sub)
    inspected_on = _date(sub.data.get("inspected_on")) or sub.today
    outcome = await _lifecycle(sub).reinspect(
        sub.actor, int(sub.context["hazard_id"]), inspected_on, passed=passed, photo_ids=photos,
        new_deadline=None if passed else _date(sub.data.get("deadline")),
        note=None if passed else sub.data.get("reason"), inspectors=sub.data.get("inspectors"), session=sub.session,
    )
    return await _done(sub, outcome, photos, PhotoStage.REINSPECTION)


async def lookback(sub: Submission) -> Submitted:
    """Record the December lookback (回头看, 方案 四(四)) on its date by the people named; a rebound reopens
    the hazard with its reason and new deadline."""
    rebound = sub.data.get("rebound") == REBOUND
    photos = _photos(sub)
    inspected_on = _date(sub.data.get("inspected_on")) or sub.today
    outcome = await _lifecycle(sub).lookback(
        sub.actor, int(sub.context["hazard_id"]), inspected_on, rebound=rebound, photo_ids=photos,
        new_deadline=_date(sub.data.get("deadline")) if rebound else None,
        note=sub.data.get("reason") if rebound else None, inspectors=sub.data.get("inspectors"), session=sub.session,
    )
    return await _done(sub, outcome, photos, PhotoStage.INSPECTION)


async def verify_fail(sub: Submission) -> Submitted:
    """Record a drawn check (核查) as failed: the hazard rebounds with the reason and a new deadline
    (``VerificationService.record``). Raises ``AlreadyDone`` when someone recorded it first (the form ends)."""
    photos = _photos(sub)
    outcome = await _verification(sub).record(
        sub.actor, int(sub.context["verification_id"]), passed=False, note=sub.data.get("reason"),
        photo_ids=photos, new_deadline=_date(sub.data.get("deadline")), session=sub.session,
    )
    return await _done(sub, outcome, photos, PhotoStage.VERIFICATION)
