"""Walking a form: which field is asked now, what "back", "skip" and "edit" do, and when the
review card is due. Pure functions over ``FormState``; persistence is the caller's business.

Rules (design.md "Forms are data"):
- fields are asked in order, those whose condition does not hold are passed over;
- "back" returns to the previously answered field, its value kept and offered again;
- "skip" is refused for required fields;
- once the review card has been shown, an edited answer returns to the card, unless the edit made
  a field applicable that was never asked (e.g. 罚款 chosen: the fine is asked next);
- answers of fields that no longer apply are dropped on submission, not while editing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.forms.checks import Rejected
from bot.forms.spec import FieldSpec, FormSpec


@dataclass
class FormState:
    """``data``: answers by field key; ``step``: the field asked now (None = review card);
    ``history``: fields answered, in order; ``context``: scratch (e.g. a chosen hazard category)."""

    data: dict[str, Any] = field(default_factory=dict)
    step: str | None = None
    history: list[str] = field(default_factory=list)
    reviewing: bool = False
    context: dict[str, Any] = field(default_factory=dict)


class FormWalk:
    """The walk through one ``FormSpec``."""

    def __init__(self, spec: FormSpec) -> None:
        self.spec = spec

    def start(self, prefill: dict[str, Any] | None = None) -> FormState:
        """A new walk, with ``prefill`` answered, at the first question that applies."""
        state = FormState(data=dict(prefill or {}))
        state.step = self._first_applicable(0, state.data)
        return state

    def current(self, state: FormState) -> FieldSpec | None:
        """The field asked now, None while reviewing or when nothing is left."""
        return self.spec.field(state.step) if state.step else None

    def applicable(self, data: dict[str, Any]) -> list[FieldSpec]:
        """The fields that apply given the answers ``data``, in form order."""
        return [f for f in self.spec.fields if f.applies(data)]

    def position(self, state: FormState) -> tuple[int, int]:
        """(1-based number of the current field among those that apply, how many apply)."""
        fields = [f.key for f in self.applicable(state.data)]
        return (fields.index(state.step) + 1 if state.step in fields else len(fields), len(fields))

    def accept(self, state: FormState, value: Any) -> None:
        """Store ``value`` for the current field and move on (or round again for a repeat field)."""
        if state.step is None:
            raise Rejected("nothing_asked")
        spec = self.spec.field(state.step)
        state.context.pop("tree_category", None)
        if spec.repeat and value == spec.choices[0].value:
            self._file_row(state, spec)
            return
        state.data[state.step] = value
        self._advance(state)

    def rows(self, data: dict[str, Any], spec: FieldSpec) -> list[dict[str, Any]]:
        """The rows of a repeat group: those filed so far and the one being entered (if it has answers)."""
        current = {k: data.get(k) for k in spec.repeat}
        filed = list(data.get(f"{spec.key}_rows") or [])
        return filed + ([current] if any(v not in (None, "") for v in current.values()) else [])

    def _file_row(self, state: FormState, spec: FieldSpec) -> None:
        rows = list(state.data.get(f"{spec.key}_rows") or [])
        rows.append({k: state.data.pop(k, None) for k in spec.repeat})
        state.data[f"{spec.key}_rows"] = rows
        state.data.pop(spec.key, None)
        state.history = [k for k in state.history if k not in spec.repeat and k != spec.key]
        state.step = spec.repeat[0]

    def store(self, state: FormState, value: Any) -> None:
        """Store ``value`` for the current field and stay on it (photos, toggles, a pin)."""
        if state.step is None:
            raise Rejected("nothing_asked")
        state.data[state.step] = value

    def finish_step(self, state: FormState) -> None:
        """"Done" on a multi-answer field (photos, hazard links); ``Rejected('not_offered')`` on any other, and
        ``photo_required`` / ``photo_or_document_required`` / ``link_required`` on a required one left empty."""
        spec = self.current(state)
        if spec is None:
            raise Rejected("nothing_asked")
        if not spec.takes_done:  # a forged press: a list stored here would break the submission
            raise Rejected("not_offered")
        if spec.required and not spec.answered(state.data):  # "Done" pressed, not "skip": say what is missing
            if spec.type == "photos":
                raise Rejected("photo_or_document_required" if spec.documents else "photo_required")
            raise Rejected("link_required")
        state.data.setdefault(spec.key, [])
        self._advance(state)

    def accept_none(self, state: FormState) -> None:
        """"None (无)": the empty answer of a field that takes several. Raises ``Rejected('not_offered')``
        for any other field (the button is not shown there, so the press is forged)."""
        spec = self.current(state)
        if spec is None:
            raise Rejected("nothing_asked")
        if not spec.takes_none:
            raise Rejected("not_offered")
        self.accept(state, [])

    def skip(self, state: FormState) -> None:
        """Leave the current field empty and move on; raises ``Rejected`` (``nothing_asked``, ``required``)."""
        spec = self.current(state)
        if spec is None:
            raise Rejected("nothing_asked")
        if spec.required:
            raise Rejected("required")
        state.data[spec.key] = None
        state.context.pop("tree_category", None)
        self._advance(state)

    def back(self, state: FormState) -> None:
        """Go back to the field answered before (from the review: leave the review)."""
        state.context.pop("tree_category", None)
        if state.reviewing:
            state.step = None
            return
        if state.step is None:
            if state.history:
                state.step = state.history.pop()
            return
        if state.history:
            state.step = state.history.pop()

    def edit(self, state: FormState, key: str) -> None:
        """Ask ``key`` again from the review card. Raises ``Rejected('not_editable')`` if it does not apply."""
        spec = self.spec.field(key)
        if not spec.applies(state.data):
            raise Rejected("not_editable")
        state.context.pop("tree_category", None)
        state.reviewing = True
        state.step = key

    def to_review(self, state: FormState) -> None:
        """Show the review of all the answers."""
        state.reviewing = True
        state.step = None

    def missing(self, state: FormState) -> list[FieldSpec]:
        """Required fields that apply but have no value: submission is refused while any remain."""
        return [f for f in self.applicable(state.data)
                if f.required and _empty(state.data.get(f.key)) and not f.answered(state.data)]

    def clean(self, data: dict[str, Any]) -> dict[str, Any]:
        """The answers of the fields that apply (what is submitted), the hidden fields' values carried from the
        prefill, and the document of a field that takes one (``<key>_document``)."""
        clean = {f.key: data.get(f.key) for f in self.applicable(data)}
        for f in self.spec.fields:
            if f.hidden:
                clean[f.key] = data.get(f.key)
            elif f.documents and f.key in clean:
                clean[f"{f.key}_document"] = data.get(f"{f.key}_document")
        return clean

    def _first_applicable(self, start: int, data: dict[str, Any]) -> str | None:
        for spec in self.spec.fields[start:]:
            if spec.applies(data):
                return spec.key
        return None

    def _advance(self, state: FormState) -> None:
        assert state.step is not None
        if state.step in state.history:
            state.history.remove(state.step)
        state.history.append(state.step)
        if state.reviewing:
            state.step = next(
                (f.key for f in self.applicable(state.data) if f.key not in state.history), None
            )
        else:
            state.step = self._first_applicable(self.spec.index(state.step) + 1, state.data)
        if state.step is None:
            state.reviewing = True


def _empty(value: Any) -> bool:
    if value is None or value == "" or value == []:
        return True
    if isinstance(value, dict) and "address" in value:
        return not value.get("address")
    return False
