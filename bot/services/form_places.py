"""A form's ``location`` answer and what follows from it: a pin must lie in 朝阳区 (``map_data.near_district``), and
a township guessed from the answer (a field's ``guess_from``, 群众举报's 所在街乡: the township its address names,
else the one its pin lies in, ``map_data.nearest_township``) is offered, and asked again when a new location no
longer supports the township taken from the old one.

Pure functions over ``FormWalk``/``FormState``; ``FormService`` calls them. ``state.context["guessed"]`` keeps, per
field, the value last offered as a guess: a township still equal to it was taken from the location (kept with
"保持当前值"), one that differs was picked by hand and stands whatever the location.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

from bot.forms.checks import Rejected
from bot.forms.engine import FormState, FormWalk
from bot.forms.spec import FieldSpec
from bot.map_data import near_district, nearest_township
from bot.services.tipoff_rules import guess_township
from storage.registry import UnitEntry, by_code

GUESSED = "guessed"  # the context key: field key → the value offered as its guess


def check_pin(latitude: float, longitude: float, *, public: bool = False) -> None:
    """Refuse a pin (WGS-84 degrees) no place in 朝阳区 can have: raises ``Rejected('location_outside_district')``
    (``lat``, ``lon``: the pin, 5 decimals) for a point outside the district's outline by more than a kilometre
    (``near_district``: ``/location 0 0``, 天安门, another city, latitude and longitude swapped) or one that is not a
    number. ``public``: a form of the public (群众举报), refused with ``location_outside_district_public``, whose
    words point to the citizen hotline 12345 for places outside 朝阳区."""
    if not (math.isfinite(latitude) and math.isfinite(longitude) and near_district(longitude, latitude)):
        shown = {k: f"{v:.5f}" if math.isfinite(v) else "?" for k, v in (("lat", latitude), ("lon", longitude))}
        raise Rejected("location_outside_district_public" if public else "location_outside_district", **shown)


#: the other districts of Beijing: an address that begins with one of them (after 北京市) is not a place in 朝阳区
ELSEWHERE = ("东城区", "西城区", "海淀区", "丰台区", "石景山区", "门头沟区", "房山区", "通州区", "顺义区", "昌平区",
             "大兴区", "怀柔区", "平谷区", "密云区", "延庆区")


def check_typed_place(text: str) -> None:
    """Refuse a typed address of the public that begins with another district of Beijing (``ELSEWHERE``, after an
    optional 北京/北京市; full-width and spaced forms read as plain): raises
    ``Rejected('address_outside_district_public', place=…)``, whose words point to the citizen hotline 12345, as a
    pin outside does (``check_pin``). Only the beginning, where an address names its district: a district named
    further on is a direction or a road (京通快速路往通州区方向 is in 朝阳区)."""
    plain = "".join(unicodedata.normalize("NFKC", text).split())
    for city in ("北京市", "北京"):
        plain = plain.removeprefix(city)
    for place in ELSEWHERE:
        if plain.startswith(place):
            raise Rejected("address_outside_district_public", place=place)


def pin_moves(latitude: float, longitude: float) -> bool:
    """Whether a live location's update may move the pin: only within the district (``check_pin``); an update
    from outside is dropped quietly, the pin staying at its last place inside (the updates are never answered)."""
    try:
        check_pin(latitude, longitude)
    except Rejected:
        return False
    return True


def _guess(answer: Any) -> UnitEntry | None:
    """The township a location answer suggests: the one its address names, else the one its pin lies in."""
    text = answer.get("address") if isinstance(answer, dict) else answer
    unit = guess_township(text) if isinstance(text, str) else None
    if unit is None and isinstance(answer, dict) and isinstance(answer.get("lat"), float | int) \
            and isinstance(answer.get("lon"), float | int):
        label = nearest_township(float(answer["lon"]), float(answer["lat"]))
        unit = by_code(label.code) if label is not None else None
    return unit


def offer_guess(walk: FormWalk, state: FormState) -> None:
    """Offer a township guessed from an earlier location answer (``guess_from``: its address, else its pin) as the
    current value of the question asked now, when it has none; remember it as the guess (``GUESSED``)."""
    spec = walk.current(state)
    if spec is None or not spec.guess_from or state.data.get(spec.key):
        return
    unit = _guess(state.data.get(spec.guess_from))
    if unit is not None:
        state.data[spec.key] = unit.name
        state.context[GUESSED] = {**(state.context.get(GUESSED) or {}), spec.key: unit.name}


def recheck_guesses(walk: FormWalk, state: FormState, spec: FieldSpec, new: dict[str, Any]) -> None:
    """Before a new location ``new`` replaces ``spec``'s answer (a pin ``{lat, lon}`` with its venue's ``address``
    or none for a bare pin; or a typed ``{address}``): a later field whose value was taken from the old location's
    guess is asked again (its value and its place in the walk dropped; ``offer_guess`` then offers a guess anew)
    unless the new location alone (``_guess``) suggests that same township. A value picked by hand is kept."""
    guessed = dict(state.context.get(GUESSED) or {})
    for field in walk.spec.fields:
        if field.guess_from != spec.key or field.key not in guessed:
            continue
        kept = state.data.get(field.key)
        if kept != guessed[field.key]:
            continue  # picked by hand: the person's choice stands
        unit = _guess(new)
        if unit is not None and unit.name == kept:
            continue
        state.data.pop(field.key, None)
        state.history = [k for k in state.history if k != field.key]
        guessed.pop(field.key)
    state.context[GUESSED] = guessed
