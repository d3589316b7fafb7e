"""Every kind of button has its own callback prefix: two kinds sharing one were told apart only by
their number of fields, so adding a field to one would have sent its presses to the other."""

from __future__ import annotations

import importlib
import inspect

from aiogram.filters.callback_data import CallbackData

from handlers import ROUTER_MODULES


def test_callback_data_prefixes_are_unique_and_fit_telegram() -> None:
    modules = {*ROUTER_MODULES, "handlers.callbacks", "handlers.hazard_callbacks", "handlers.correction_callbacks",
               "handlers.paging"}
    kinds = {
        obj for name in modules for _, obj in inspect.getmembers(importlib.import_module(name), inspect.isclass)
        if issubclass(obj, CallbackData) and obj is not CallbackData
    }
    assert len(kinds) >= 10
    prefixes = sorted(kind.__prefix__ for kind in kinds)
    assert len(prefixes) == len(set(prefixes)), prefixes
    assert all(len(p.encode()) <= 4 for p in prefixes)  # leaves room in Telegram's 64 bytes


def test_every_number_a_button_carries_is_bounded_to_a_record_id() -> None:
    from annotated_types import Ge, Le

    from bot.domain import MAX_RECORD_ID
    from handlers import build_root_router
    from tests.callback_kinds import registered_kinds

    kinds = registered_kinds(build_root_router())
    numbers = [(k.__prefix__, name, info) for k in kinds for name, info in k.model_fields.items()
               if info.annotation is int]
    assert len(numbers) >= 15
    for prefix, name, info in numbers:
        bounds = {type(m): m for m in info.metadata}
        assert Ge in bounds and Le in bounds, (prefix, name)
        assert bounds[Ge].ge >= 0 and bounds[Le].le <= MAX_RECORD_ID, (prefix, name)
