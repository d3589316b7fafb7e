"""Typed, versioned callback data (≤ 64 bytes, ids only). Never trusted: the services re-check
that the draft or record belongs to the user pressing the button."""

from __future__ import annotations

from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import ConfigDict, Field

from bot.domain import MAX_RECORD_ID

Num = Annotated[int, Field(ge=0, le=MAX_RECORD_ID)]
"""Every number a button carries (an id, an index, a step, a flag). A forged one outside this range
does not unpack, so its press gets the "no longer valid" answer (``handlers.fallback``) instead of
reaching a query the database would refuse (int32 on PostgreSQL, int64 on SQLite)."""


class FormCb(CallbackData, prefix="f1"):
    """A form button. ``k``: ``p`` pick option ``i`` of step ``s``; ``n`` navigation ``a``; ``e`` edit field ``i``;
    ``v`` the review's photos, page ``i``; ``m`` the photos of question ``s`` to remove one from; ``x`` remove photo
    ``i`` (1-based) of question ``s`` from the list shown at version ``a`` (``bot.services.form_photos``)."""

    model_config = ConfigDict(frozen=True)  # one unpacked press is shared by the filters that read it (``unpack``)

    d: Num
    k: str
    s: Num = 0
    i: Num = 0
    a: str = ""

    @classmethod
    def unpack(cls, value: str) -> FormCb:
        """aiogram's ``unpack``, remembered for the last value: the form router's five filters unpack the same
        press in turn, a model validation each (issue 19 item 4). Raises as aiogram's does."""
        last = _LAST_FORM_PRESS.get(value)
        if last is None:
            last = super().unpack(value)
            _LAST_FORM_PRESS.clear()
            _LAST_FORM_PRESS[value] = last
        return last


_LAST_FORM_PRESS: dict[str, FormCb] = {}  # at most one: the press being routed


def form_data(d: int, k: str, s: int = 0, i: int = 0, a: str = "") -> str:
    """``FormCb(d=d, k=k, s=s, i=i, a=a).pack()`` without pydantic: a form step packs two to a dozen buttons, and
    the model's validation and dump were a tenth of its rendering (``benchmarks/RESULTS-perf.md``, issue 19 item
    4). The values are the bot's own (draft id, step, option index, ``Nav``); out of ``Num``'s range raises
    ``ValueError`` as ``FormCb`` does. ``tests/test_form_buttons.py`` checks it packs as ``FormCb``."""
    if not (0 <= d <= MAX_RECORD_ID and 0 <= s <= MAX_RECORD_ID and 0 <= i <= MAX_RECORD_ID):
        raise ValueError(f"form button number out of range: {d}, {s}, {i}")
    return f"{FormCb.__prefix__}:{d}:{k}:{s}:{i}:{a}"


class InspectionCb(CallbackData, prefix="i1"):
    """"Record a hazard found in this inspection"."""

    id: Num


class ReportCb(CallbackData, prefix="s1"):
    """A /status drill-down: ``k`` = ``u`` unit status, ``o`` overdue list, ``m`` major list, ``c`` category
    ``c`` (index in the taxonomy); ``u`` = unit id, 0 for the district. Scope re-checked by ReportService."""

    k: str
    u: Num = 0
    c: Num = 0


class TipCb(CallbackData, prefix="t1"):
    """A verifier's tip-off button. ``a``: ``v`` open, ``c`` 查实, ``r`` 不属实 menu, ``rr`` reason ``i`` (asks to confirm), ``rc`` confirmed 不属实 with reason ``i``,
    ``f`` forward menu, ``ff`` forward to township ``i``, ``m`` merge into ``k`` (``t``/``h``) ``j``."""

    a: str
    id: Num
    i: Num = 0
    k: str = ""
    j: Num = 0


class TrackCb(CallbackData, prefix="t2"):
    """A reporter's button on their own tip-off ``n`` (number): ``a`` ``add`` or ``nf`` (not fixed)."""

    a: str
    n: str


class ImportCb(CallbackData, prefix="im1"):
    """The office's choice on a checked ledger with bad rows: ``a`` ``g`` import the good rows, ``n`` nothing;
    ``t`` the staged ledger's token (re-checked by ``ReportService.finish_import``)."""

    t: Annotated[str, Field(max_length=32)]
    a: str
