"""What submitting each form does: form key → submitter (and, for a form opened on a record, its prefill).

A new form is its TOML in ``config/forms/``, an async submitter taking a ``Submission`` and returning
``Submitted``, and one line at the end of this module: ``register("key", submit)``. The form engine
(``bot.services.forms``) knows no form by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import PhotoStage
from bot.forms.prompt import Submitted
from bot.services import lifecycle_forms
from bot.services.corrections import SUBMITTERS as CORRECTIONS
from bot.services.corrections import correction_submitter
from bot.services.deadlines import ExtensionNotLater
from bot.services.errors import DomainError
from bot.services.evidence import record_watermark
from bot.services.lifecycle import Action
from bot.services.lifecycle_errors import (
    AlreadySupervised,
    DeadlineInPast,
    DeadlineRequired,
    EvidenceRequired,
    FiveImplementationsMissing,
    InvalidValue,
    ReasonRequired,
)
from bot.services.records import create_hazard, create_inspection, create_plan
from bot.services.step_notices import step_notices
from bot.services.submission import Prefill, Submission, Submitter
from bot.services.tipoff_records import add_to_tipoff, claim_for_hazard, create_tipoff, hazard_created
from bot.services.workflow_forms import WORKFLOW_SUBMITTERS, as_submitter
from storage.models import Hazard, Inspection

#: refusals an answer can mend (the form stays open on its review card); any other refusal of a
#: submission ends the form, as the step can no longer be done (someone else did it, the role is gone)
MENDABLE: tuple[type[DomainError], ...] = (
    DeadlineInPast, DeadlineRequired, EvidenceRequired, FiveImplementationsMissing, InvalidValue, ReasonRequired,
    ExtensionNotLater, AlreadySupervised,  # another date, another level
)


@dataclass(frozen=True)
class FormKind:
    """A form's submitter; ``prefill`` for a form opened on a record (its current values, "keep as it is");
    ``ends_on_refusal``: a refusal outside ``MENDABLE`` cancels the draft (life-cycle steps)."""

    submit: Submitter
    prefill: Prefill | None = None
    ends_on_refusal: bool = False


SUBMITTERS: dict[str, FormKind] = {}


def register(key: str, submit: Submitter, prefill: Prefill | None = None, *, ends_on_refusal: bool = False) -> None:
    """Make form ``key`` (``config/forms/<key>.toml``) submittable by ``submit``."""
    SUBMITTERS[key] = FormKind(submit, prefill, ends_on_refusal)


async def stamp(sub: Submission, submitted: Submitted, photo_ids: list[int]) -> None:
    """Burn the submitted record's watermark into its photos' copies: the number the user is shown
    (草稿编号 D… of a hazard, 检查编号 J… of an inspection), the unit and the address as submitted."""
    evidence = sub.deps.evidence
    if evidence is None or not photo_ids:
        return
    record: Hazard | Inspection | None = await sub.session.get(
        Hazard if submitted.kind == "hazard" else Inspection, submitted.record_id)
    assert record is not None
    info = await record_watermark(sub.session, record, received_at=sub.now, stage=PhotoStage.DISCOVERY.value,
                                  inspector_name=sub.actor.record_name)
    await evidence.stamp(sub.session, photo_ids, info)


async def submit_tipoff(sub: Submission) -> Submitted:
    """A tip-off from the public (``create_tipoff``); the township's verifiers are told."""
    submitted, notices = await create_tipoff(sub.session, sub.draft, sub.data, settings=sub.deps.settings, now=sub.now)
    sub.notices += notices
    return submitted


async def submit_tipoff_addition(sub: Submission) -> Submitted:
    """More words or photos for an open tip-off (``add_to_tipoff``)."""
    submitted, notices = await add_to_tipoff(sub.session, sub.draft, sub.data)
    sub.notices += notices
    return submitted


async def submit_inspection(sub: Submission) -> Submitted:
    """An inspection (附件1) of the unit the form was opened for, its photos stamped. Opened as a correction of
    an inspection (``context["correction"]``): that row is corrected instead."""
    correction = correction_submitter(sub.draft)
    if correction is not None:
        return await as_submitter(correction)(sub)
    submitted = await create_inspection(sub.session, sub.draft, sub.data, unit_id=int(sub.context["unit_id"]),
                                        district=sub.deps.settings.district_name, today=sub.today)
    await stamp(sub, submitted, sub.data.get("photos") or [])
    return submitted


async def submit_plan(sub: Submission) -> Submitted:
    """The unit's annual inspection plan (附件3), replacing an earlier one of the same year."""
    return await create_plan(sub.session, sub.actor, sub.data, unit_id=int(sub.context["unit_id"]), now=sub.now,
                             campaign=sub.deps.campaign)


async def submit_hazard(sub: Submission) -> Submitted:
    """A hazard (附件2) pending review, its photos stamped; from a tip-off: claims it and tells the reporter.
    Opened as a correction of a hazard (``context["correction"]``): that record is corrected instead."""
    correction = correction_submitter(sub.draft)
    if correction is not None:
        return await as_submitter(correction)(sub)
    context = sub.context
    tipoff_id = context.get("tipoff_id")
    if tipoff_id:
        await claim_for_hazard(sub.session, int(tipoff_id))
    submitted = await create_hazard(
        sub.session, sub.draft, sub.data, unit_id=int(context["unit_id"]), district=sub.deps.settings.district_name,
        today=sub.today, now=sub.now, inspection_id=context.get("inspection_id"),
    )
    await stamp(sub, submitted, sub.data.get("photos") or [])
    hazard = await sub.session.get(Hazard, submitted.record_id)
    assert hazard is not None
    sub.notices += await step_notices(sub.session, hazard, Action.SUBMIT, sub.actor)  # the unit's reviewers
    if tipoff_id:
        sub.notices += await hazard_created(sub.session, int(tipoff_id), hazard, sub.draft.user_id)
    return submitted


register("inspection", submit_inspection)
register("hazard", submit_hazard)
register("plan", submit_plan)
register("tipoff", submit_tipoff)
register("tipoff_addition", submit_tipoff_addition)
# the life-cycle steps that need more than a press (方案 四(二)–(四), 核查): each opened on one hazard or check
register("hazard_reject", lifecycle_forms.reject, lifecycle_forms.about, ends_on_refusal=True)
register("five_implementations", lifecycle_forms.set_plan, lifecycle_forms.plan_prefill, ends_on_refusal=True)
register("rectification", lifecycle_forms.rectify, lifecycle_forms.plan_prefill, ends_on_refusal=True)
register("reinspection", lifecycle_forms.reinspect, lifecycle_forms.about, ends_on_refusal=True)
register("lookback", lifecycle_forms.lookback, lifecycle_forms.about, ends_on_refusal=True)
register("verification_fail", lifecycle_forms.verify_fail, lifecycle_forms.about, ends_on_refusal=True)
# deadlines under control, supervision, returned closures, 销账 and a passed 核查 confirmed (方案 四(三), 五(五))
# a refusal no answer can mend (decided by someone else, the hazard moved on) ends the form, as for the steps above
for _key, _submit in WORKFLOW_SUBMITTERS.items():
    register(_key, as_submitter(_submit), ends_on_refusal=True)
# corrections with a trail: the office transfers a hazard, voids an inspection entered in error (issue 15 item 2)
register("hazard_transfer", as_submitter(CORRECTIONS["hazard_transfer"]), ends_on_refusal=True)
register("inspection_void", as_submitter(CORRECTIONS["inspection_void"]), ends_on_refusal=True)
