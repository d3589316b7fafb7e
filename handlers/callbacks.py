"""Typed, versioned callback data (≤ 64 bytes, ids only). Never trusted: the services re-check
that the draft or record belongs to the user pressing the button."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class FormCb(CallbackData, prefix="f1"):
    """A form button. ``k``: ``p`` pick option ``i`` of step ``s``; ``n`` navigation ``a``; ``e`` edit field ``i``."""

    d: int
    k: str
    s: int = 0
    i: int = 0
    a: str = ""


class InspectionCb(CallbackData, prefix="i1"):
    """"Record a hazard found in this inspection"."""

    id: int


class ReportCb(CallbackData, prefix="s1"):
    """A /status drill-down: ``k`` = ``u`` unit status, ``o`` overdue list, ``m`` major list, ``c`` category
    ``c`` (index in the taxonomy); ``u`` = unit id, 0 for the district. Scope re-checked by ReportService."""

    k: str
    u: int = 0
    c: int = 0


class TipCb(CallbackData, prefix="t1"):
    """A verifier's tip-off button. ``a``: ``v`` open, ``c`` 查实, ``r`` 不属实 menu, ``rr`` reason ``i``,
    ``f`` forward menu, ``ff`` forward to township ``i``, ``m`` merge into ``k`` (``t``/``h``) ``j``."""

    a: str
    id: int
    i: int = 0
    k: str = ""
    j: int = 0


class TrackCb(CallbackData, prefix="t2"):
    """A reporter's button on their own tip-off ``n`` (number): ``a`` ``add`` or ``nf`` (not fixed)."""

    a: str
    n: str
