"""Typed, versioned callback data of the life cycle buttons (≤ 64 bytes, ids only). Never trusted: every
press goes to a service that checks role, unit scope and state again."""

from __future__ import annotations

from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from bot.documents.views import NoticeKind
from bot.services.lifecycle import Action
from handlers.callbacks import Num

# Short codes keep the data small; "o" opens the card, "h" the history with photos.
ACTION_CODES: dict[str, Action] = {
    "ap": Action.APPROVE,
    "rj": Action.REJECT,
    "rg": Action.REGISTER,
    "rr": Action.REPORT_RECTIFICATION,
    "rp": Action.REINSPECT_PASS,
    "rf": Action.REINSPECT_FAIL,
    "cl": Action.CLOSE,
    "sv": Action.SUPERVISE,
    "lp": Action.LOOKBACK_PASS,
    "lr": Action.LOOKBACK_REBOUND,
    "pl": Action.SET_PLAN,
    "xr": Action.REQUEST_EXTENSION,
    "rt": Action.RETURN_CLOSURE,
}
# Level changes name the level they set, so that a second press cannot undo the first. Raising to 重大隐患 is
# asked first: the card's "lm" puts 确认升级 ("lmy", which sets it) and 取消 ("lmn") on the same card.
LEVEL_CODES = {"lmy": "重大隐患", "lg": "一般隐患"}
ASK_RAISE, CONFIRM_RAISE, CANCEL_RAISE = "lm", "lmy", "lmn"
CODE_OF: dict[Action, str] = {a: c for c, a in ACTION_CODES.items()}
OPEN, HISTORY = "o", "h"
# Printable documents: the case file (PDF) and the notices (Word).
CASE_FILE = "cf"
NOTICE_CODES: dict[str, NoticeKind] = {"nr": NoticeKind.RECTIFICATION, "ns": NoticeKind.SUPERVISION,
                                       "ni": NoticeKind.REINSPECTION}


class HazardCb(CallbackData, prefix="h1"):
    """A button on a hazard: ``a`` is ``o`` (open card), ``h`` (history), ``cf`` (case file), a notice code
    or an action code above."""

    id: Num
    a: str


class SuperviseCb(CallbackData, prefix="u1"):
    """Put hazard ``id`` under supervision at level number ``lv`` (0 区政府, 1 区安委会, 2 街乡)."""

    id: Num
    lv: Num


class VerifyCb(CallbackData, prefix="v1"):
    """Record drawn check ``id`` (a verification id) as passed (``ok`` 1) or failed (``ok`` 0)."""

    id: Num
    ok: Num


class InputCb(CallbackData, prefix="n1"):
    """A button of the step-by-step life-cycle input that came before the form engine (``a``: ``skip``,
    ``done`` or ``cancel``; ``s``: the question, ``hazard.op.step``). No longer sent; kept so that a press on
    an old message carries its open questions over to their form (``handlers.input_migration``) or is
    answered as closed (``handlers.find``)."""

    a: str
    s: str = ""


class FindCb(CallbackData, prefix="q1"):
    """A button of /find's filter card or result (issue 16): ``a`` is ``card`` (show the filter), ``add`` (offer
    criterion ``c``'s values), ``set`` (set ``c`` to value number ``v``), ``del`` (remove ``c``), ``clr`` (remove
    all), ``go`` (show the result) or ``xls`` (export it); ``k`` names the filter kept in the conversation
    state (a button holds no filter: 64 bytes)."""

    a: Annotated[str, Field(max_length=4)]
    k: Annotated[str, Field(max_length=12)]
    c: Annotated[str, Field(max_length=10)] = ""
    v: Num = 0
