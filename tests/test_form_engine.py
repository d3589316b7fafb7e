"""The walk through a form: order, conditions, back, skip, edit and review (design.md "Forms")."""

from __future__ import annotations

import pytest

from bot.forms.checks import Rejected
from bot.forms.engine import FormWalk
from bot.forms.spec import load_form, parse_form

INSPECTION = load_form("inspection")


def answer_until(walk: FormWalk, state, stop: str, values: dict) -> None:  # type: ignore[no-untyped-def]
    while state.step != stop:
        walk.accept(state, values.get(state.step, "x"))


def test_the_fine_is_asked_only_after_a_fine_was_chosen() -> None:
    walk = FormWalk(INSPECTION)
    state = walk.start()
    answer_until(walk, state, "penalty_type", {})
    walk.accept(state, "罚款")
    assert state.step == "fine_amount"
    walk.back(state)
    assert state.step == "penalty_type"
    walk.accept(state, "责令整改")
    assert state.step == "photos"


def test_back_returns_to_the_previous_answer_with_its_value_kept() -> None:
    walk = FormWalk(INSPECTION)
    state = walk.start()
    walk.accept(state, "2018-10-15")
    walk.accept(state, "建外街道")
    assert state.step == "inspection_type"
    walk.back(state)
    assert state.step == "inspecting_unit"
    assert state.data["inspecting_unit"] == "建外街道"


def test_required_fields_cannot_be_skipped_and_optional_ones_can() -> None:
    walk = FormWalk(INSPECTION)
    state = walk.start()
    with pytest.raises(Rejected) as info:
        walk.skip(state)
    assert info.value.code == "required"
    answer_until(walk, state, "remarks", {"penalty_type": "无"})
    walk.skip(state)
    assert state.step is None and state.reviewing
    assert state.data["remarks"] is None


@pytest.mark.parametrize(
    ("field", "answers", "steps"),
    [("site_name", ["李XX仓库"], [None]), ("penalty_type", ["罚款", "0.5"], ["fine_amount", None])],
    ids=["returns_to_the_card", "a_new_field_that_applies_is_asked_before_the_card"],
)
def test_an_edit_from_the_review_card(field: str, answers: list[str], steps: list[str | None]) -> None:
    """Each answer of ``answers`` (the edited field's, then those of fields it makes apply) leads to the step of
    ``steps`` (None: back on the review card)."""
    walk = FormWalk(INSPECTION)
    state = walk.start()
    answer_until(walk, state, None, {"penalty_type": "无"})  # type: ignore[arg-type]
    walk.edit(state, field)
    for value, step in zip(answers, steps, strict=True):
        walk.accept(state, value)
        assert state.step == step
    assert state.data[field] == answers[0]


def test_answers_of_fields_that_no_longer_apply_are_not_submitted() -> None:
    walk = FormWalk(INSPECTION)
    data = {"penalty_type": "责令整改", "fine_amount": "3"}
    assert "fine_amount" not in walk.clean(data)
    assert walk.clean({"penalty_type": "罚款", "fine_amount": "3"})["fine_amount"] == "3"


def test_a_form_definition_with_an_unknown_type_or_a_forward_condition_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown type"):
        parse_form('key="x"\ntitle_zh="x"\ntitle_en="x"\n[[fields]]\nkey="a"\ntype="colour"\nlabel_zh="a"\nlabel_en="a"\n')
    with pytest.raises(ValueError, match="condition"):
        parse_form(
            'key="x"\ntitle_zh="x"\ntitle_en="x"\n'
            '[[fields]]\nkey="a"\ntype="text"\nlabel_zh="a"\nlabel_en="a"\ncondition={field="b", equals="1"}\n'
            '[[fields]]\nkey="b"\ntype="text"\nlabel_zh="b"\nlabel_en="b"\n'
        )
