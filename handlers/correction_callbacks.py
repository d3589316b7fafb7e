"""Callback data of the correction buttons (≤ 64 bytes, ids only). Never trusted: the service checks role,
scope and state again when the button is pressed, and once more when the form is submitted."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from handlers.callbacks import Num

HAZARD_CORRECT = "hc"  # edit while pending review, correct and resubmit a rejected one, the office's correction
HAZARD_TRANSFER = "ht"
INSPECTION_CORRECT = "ic"
INSPECTION_VOID = "iv"
INSPECTION_OPEN = "io"


class CorrectCb(CallbackData, prefix="x1"):
    """A correction button on record ``id`` (a hazard for ``h*``, an inspection for ``i*``)."""

    id: Num
    a: str
