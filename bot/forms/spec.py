"""Form definitions (``config/forms/*.toml``) as typed objects.

A field: ``key``, ``label_zh``/``label_en``, ``type`` (one of ``FIELD_TYPES``), ``required``,
``repeat`` (on a two-way choice ``[again, done]``: "again" files the listed fields as one row in
``<key>_rows`` and asks them anew — e.g. the arrangement rows of 附件3),
type checks (``min``, ``max``, ``scale``, ``max_length``, ``not_future``, ``after_today``, ``lte_field``),
``choices`` (``[[value, english], …]``) or a ``source`` of choices, and a ``condition``
(``{field, equals | in | not_in}``) saying when it applies (e.g. the fine only after 罚款).
``hidden``: never asked nor shown, only carried from the prefill for conditions (a hazard's level: 一般隐患
is not asked 资金/预案, issue 15 item 7). ``documents`` on a photos field: one file that is no image (PDF,
Word…) may answer it too, kept in the file store as ``<key>_document`` = ``[key, name, sha256, size, mime]``
(验收 evidence; ``bot.forms.actions.StoredDocument``).
A form's ``photo_stage`` names the ``PhotoStage`` of its photos (default ``inspection``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from storage.taxonomy import Category, Choice, hazard_types  # noqa: F401  (the forms read the taxonomy through spec)

FIELD_TYPES = frozenset(
    {"text", "integer", "decimal", "date", "choice", "tree", "phone", "photos", "location", "hazard_link"}
)


@dataclass(frozen=True)
class Condition:
    """When a field applies: the answer of ``field`` equals ``equals``, is in ``in_``, is not in ``not_in``,
    or (none set) is given."""

    field: str
    equals: str | None = None
    in_: tuple[str, ...] = ()
    not_in: tuple[str, ...] = ()

    def holds(self, data: dict[str, Any]) -> bool:
        """True when the answers ``data`` satisfy the condition."""
        value = data.get(self.field)
        if self.equals is not None:
            return bool(value == self.equals)
        if self.in_:
            return value in self.in_
        if self.not_in:
            return value is not None and value not in self.not_in
        return value is not None


@dataclass(frozen=True)
class FieldSpec:
    """A question of a form, as ``config/forms/*.toml`` declares it: key, type (``FIELD_TYPES``), labels and
    hints in both languages, choices, the condition it applies on, and the checks of its answer (numeric
    bounds and scale, the unit (m², 万元, percent), lengths, date bounds)."""

    key: str
    type: str
    label_zh: str
    label_en: str
    required: bool = True
    hint_zh: str = ""
    hint_en: str = ""
    # said after the hint only when the question offers a current value to keep (e.g. a guessed township)
    hint_keep_zh: str = ""
    hint_keep_en: str = ""
    choices: tuple[Choice, ...] = ()
    source: str | None = None
    condition: Condition | None = None
    min: float | None = None
    max: float | None = None
    scale: int | None = None
    # the unit a decimal is asked in ("m2", "wan_yuan", "percent"): only its own words may follow the number
    unit: str | None = None
    max_length: int = 500
    min_length: int = 1
    not_future: bool = False
    after_today: bool = False
    lte_field: str | None = None
    max_items: int = 10
    default: str | None = None
    repeat: tuple[str, ...] = ()
    # limits taken from ``Settings`` by name when the form is walked (e.g. ``tipoff_min_description``)
    min_length_setting: str | None = None
    max_items_setting: str | None = None
    # a year of the campaign (``bot.campaign``): ``min``/``max`` are its first and last year
    campaign_year: bool = False
    # a location answered by a pin alone (no typed address needed)
    pin_is_enough: bool = False
    # a township choice pre-answered from the address given in field ``guess_from``
    guess_from: str | None = None
    # carried from the prefill for conditions, never asked (shown, not editable, on the review card unless
    # ``on_review`` is false: a fact only the form's conditions need)
    hidden: bool = False
    on_review: bool = True
    # a photos field that also takes one document (PDF, Word…) as its answer
    documents: bool = False

    def label(self, locale: str) -> str:
        """The question's label in ``locale`` (``en`` or Chinese)."""
        return self.label_en if locale == "en" else self.label_zh

    def hint(self, locale: str, *, keep: bool = False) -> str:
        """The hint under the question in ``locale`` (``en`` or Chinese), ``{min_length}`` filled in;
        ``keep``: a current value is offered to keep, so ``hint_keep_*`` is said too."""
        text = self.hint_en if locale == "en" else self.hint_zh
        if keep:
            text += self.hint_keep_en if locale == "en" else self.hint_keep_zh
        return text.replace("{min_length}", str(self.min_length or ""))

    def applies(self, data: dict[str, Any]) -> bool:
        """True when the field is asked given the answers ``data`` (not hidden, its condition holds)."""
        return not self.hidden and (self.condition is None or self.condition.holds(data))

    def answered(self, data: dict[str, Any]) -> bool:
        """Has an answer in ``data``: a value, or for a field taking ``documents`` its document."""
        return bool(data.get(self.key)) or (self.documents and bool(data.get(f"{self.key}_document")))

    @property
    def takes_done(self) -> bool:
        """Answered by several sends or presses, ended with "Done" (photos, linked hazards)."""
        return self.type in ("photos", "hazard_link")

    @property
    def takes_none(self) -> bool:
        """Has a "None (无)" button: an empty list is its answer (linked hazards)."""
        return self.type == "hazard_link"


DEFAULT_ROLES = ("inspector", "reviewer", "office")


@dataclass(frozen=True)
class FormSpec:
    """A form; ``roles`` may open it (for the unit of their grant)."""

    key: str
    title_zh: str
    title_en: str
    fields: tuple[FieldSpec, ...] = field(default=())
    roles: tuple[str, ...] = DEFAULT_ROLES
    photo_stage: str = "inspection"

    def title(self, locale: str) -> str:
        """The form's title in ``locale`` (``en`` or Chinese)."""
        return self.title_en if locale == "en" else self.title_zh

    def field(self, key: str) -> FieldSpec:
        """The field ``key``; raises ``KeyError`` when the form has none."""
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    def index(self, key: str) -> int:
        """The position of field ``key`` in the form; raises ``ValueError`` when the form has none."""
        return [f.key for f in self.fields].index(key)


def _field(raw: dict[str, Any]) -> FieldSpec:
    raw = dict(raw)
    if raw.get("type") not in FIELD_TYPES:
        raise ValueError(f"field {raw.get('key')!r}: unknown type {raw.get('type')!r}")
    choices = tuple(Choice(c[0], c[1] if len(c) > 1 else "") for c in raw.pop("choices", []))
    repeat = tuple(raw.pop("repeat", ()))
    cond = raw.pop("condition", None)
    condition = None
    if cond is not None:
        condition = Condition(
            field=cond["field"],
            equals=cond.get("equals"),
            in_=tuple(cond.get("in", ())),
            not_in=tuple(cond.get("not_in", ())),
        )
    if repeat and not (raw.get("type") == "choice" and len(choices) == 2):
        raise ValueError(f"field {raw.get('key')!r}: repeat needs a choice of [again, done]")
    return FieldSpec(choices=choices, condition=condition, repeat=repeat, **raw)


def parse_form(text: str) -> FormSpec:
    """A ``FormSpec`` from TOML text. Raises ``ValueError`` on an unknown type or a bad condition."""
    raw = tomllib.loads(text)
    fields = tuple(_field(f) for f in raw["fields"])
    keys = [f.key for f in fields]
    if len(set(keys)) != len(keys):
        raise ValueError(f"form {raw['key']}: duplicate field keys")
    for f in fields:
        # a condition may also name a fact set when the form was opened (``_`` + key, never asked:
        # ``_correction`` of a record being corrected, see bot.services.corrections)
        if f.condition is not None and not f.condition.field.startswith("_") \
                and f.condition.field not in keys[: keys.index(f.key)]:
            raise ValueError(f"field {f.key}: condition on a later or unknown field {f.condition.field}")
    for f in fields:
        if any(k not in keys[: keys.index(f.key)] for k in f.repeat):
            raise ValueError(f"field {f.key}: repeats a later or unknown field")
    return FormSpec(raw["key"], raw["title_zh"], raw["title_en"], fields, tuple(raw.get("roles", DEFAULT_ROLES)),
                    raw.get("photo_stage", "inspection"))


@cache
def load_form(key: str) -> FormSpec:
    """The packaged form ``config/forms/<key>.toml``."""
    return parse_form((resources.files("config") / "forms" / f"{key}.toml").read_text(encoding="utf-8"))
