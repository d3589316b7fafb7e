"""A form's ``location`` answer and what follows from it: a pin must lie in 朝阳区 (``map_data.near_district``), and
a township guessed from the answer's address (a field's ``guess_from``, 群众举报's 所在街乡) is offered, and asked
again when a new location no longer supports the township taken from the old one.

Pure functions over ``FormWalk``/``FormState``; ``FormService`` calls them. ``state.context["guessed"]`` keeps, per
field, the value last offered as a guess: a township still equal to it was taken from the location (kept with
"保持当前值"), one that differs was picked by hand and stands whatever the location.
"""

from __future__ import annotations

import math
from typing import Any

from bot.forms.checks import Rejected
from bot.forms.engine import FormState, FormWalk
from bot.forms.spec import FieldSpec
from bot.map_data import near_district
from bot.services.tipoff_rules import guess_township

GUESSED = "guessed"  # the context key: field key → the value offered as its guess


def check_pin(latitude: float, longitude: float) -> None:
    """Refuse a pin (WGS-84 degrees) no place in 朝阳区 can have: raises ``Rejected('location_outside_district')``
    (``lat``, ``lon``: the pin, 5 decimals) for a point outside the district's generous box (``near_district``:
    ``/location 0 0``, another city, latitude and longitude swapped) or one that is not a number."""
    if not (math.isfinite(latitude) and math.isfinite(longitude) and near_district(longitude, latitude)):
        shown = {k: f"{v:.5f}" if math.isfinite(v) else "?" for k, v in (("lat", latitude), ("lon", longitude))}
        raise Rejected("location_outside_district", **shown)


def pin_moves(latitude: float, longitude: float) -> bool:
    """Whether a live location's update may move the pin: only within the district (``check_pin``); an update
    from outside is dropped quietly, the pin staying at its last place inside (the updates are never answered)."""
    try:
        check_pin(latitude, longitude)
    except Rejected:
        return False
    return True


def _address(answer: Any) -> str | None:
    text = answer.get("address") if isinstance(answer, dict) else answer
    return text if isinstance(text, str) else None


def offer_guess(walk: FormWalk, state: FormState) -> None:
    """Offer a township guessed from an earlier answer's address (``guess_from``) as the current value of the
    question asked now, when it has none; remember it as the guess (``GUESSED``)."""
    spec = walk.current(state)
    if spec is None or not spec.guess_from or state.data.get(spec.key):
        return
    unit = guess_township(_address(state.data.get(spec.guess_from)))
    if unit is not None:
        state.data[spec.key] = unit.name
        state.context[GUESSED] = {**(state.context.get(GUESSED) or {}), spec.key: unit.name}


def recheck_guesses(walk: FormWalk, state: FormState, spec: FieldSpec, own_address: str | None) -> None:
    """Before a new location replaces ``spec``'s answer (a pin, whose own address ``own_address`` is its venue's or
    None for a bare pin; or a typed address): a later field whose value was taken from the old location's guess is
    asked again (its value and its place in the walk dropped; ``offer_guess`` then offers a guess anew) unless the
    new location's own address names that same township. A value picked by hand is kept."""
    guessed = dict(state.context.get(GUESSED) or {})
    for field in walk.spec.fields:
        if field.guess_from != spec.key or field.key not in guessed:
            continue
        kept = state.data.get(field.key)
        if kept != guessed[field.key]:
            continue  # picked by hand: the person's choice stands
        unit = guess_township(own_address)
        if unit is not None and unit.name == kept:
            continue
        state.data.pop(field.key, None)
        state.history = [k for k in state.history if k != field.key]
        guessed.pop(field.key)
    state.context[GUESSED] = guessed
