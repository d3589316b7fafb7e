"""Every kind of button has its own callback prefix: two kinds sharing one were told apart only by
their number of fields, so adding a field to one would have sent its presses to the other."""

from __future__ import annotations

import importlib
import inspect

from aiogram.filters.callback_data import CallbackData

from handlers import ROUTER_MODULES


def test_callback_data_prefixes_are_unique_and_fit_telegram() -> None:
    modules = {*ROUTER_MODULES, "handlers.callbacks", "handlers.hazard_callbacks"}
    kinds = {
        obj for name in modules for _, obj in inspect.getmembers(importlib.import_module(name), inspect.isclass)
        if issubclass(obj, CallbackData) and obj is not CallbackData
    }
    assert len(kinds) >= 10
    prefixes = sorted(kind.__prefix__ for kind in kinds)
    assert len(prefixes) == len(set(prefixes)), prefixes
    assert all(len(p.encode()) <= 4 for p in prefixes)  # leaves room in Telegram's 64 bytes
