"""The /find words (``bot.services.hazard_filter``): what each word sets, that a filter written back as words
reads back the same, and that words naming nothing, or a criterion twice, or no date are refused by name."""

from __future__ import annotations

from datetime import date

import pytest

from bot.services.hazard_filter import (
    Filter,
    FilterContradicts,
    FilterWordsUnknown,
    export_asked,
    parse,
    parse_range,
    words_of,
)


@pytest.mark.parametrize(("words", "want"), [
    ("超期 重大 重点消防 建外街道", Filter(overdue=True, level="重大隐患", category="重点消防", unit="110105001")),
    ("overdue major fire-safety 建外", Filter(overdue=True, level="重大隐患", category="重点消防", unit="110105001")),
    ("2026-11-01..2026-11-30", Filter(deadline_from=date(2026, 11, 1), deadline_to=date(2026, 11, 30))),
    ("期限 2026-11-01 至 2026-11-30", Filter(deadline_from=date(2026, 11, 1), deadline_to=date(2026, 11, 30))),
    ("上账 2026-2", Filter(registered_from=date(2026, 2, 1), registered_to=date(2026, 2, 28))),
    ("上账:..2026-11-03 老旧小区 区房管局", Filter(registered_to=date(2026, 11, 3), category="重点消防",
                                           subtype="老旧小区", unit="dept-12")),
    ("类型:11 来源:其他 未销账 督办", Filter(category="其他", source="其他", state="open", supervised=True)),
    ("群众举报，closed，110105001202611010001", Filter(source="举报", state="closed", text="110105001202611010001")),
    ("文字:50% 一般", Filter(text="50%", level="一般隐患")),
])
def test_typed_words_set_the_criteria_and_read_back_the_same(words: str, want: Filter) -> None:
    got = parse(words)
    assert got == want
    assert parse(" ".join(words_of(got))) == got
    assert Filter.from_data(got.to_data()) == got


def test_typed_words_replace_only_their_criterion_of_the_filter_they_add_to() -> None:
    base = parse("超期 重大 建外")
    assert parse("一般", base) == Filter(overdue=True, level="一般隐患", unit="110105001")
    assert base.without("unit") == Filter(overdue=True, level="重大隐患")
    assert base.chosen() == ("unit", "level", "overdue")


@pytest.mark.parametrize(("words", "params"), [
    ("超期 overdeu", {"words": ["overdeu"]}),
    ("幸福 里", {"words": ["幸福", "里"], "free": True}),  # two free words, said as such
    ("其他", {"words": ["其他"]}),
    ("状态:开着", {"words": ["状态:开着"]}),
    ("上账", {"words": ["上账"]}),
    ("重大 一般", {"twice": "level"}),
    ("建外 朝外", {"twice": "unit"}),
    ("2026-13-01", {"dates": "2026-13-01"}),
    ("2026-11-30..2026-11-01", {"dates": "2026-11-30..2026-11-01"}),
    # a real date no hazard can have: said to be one (its last day is the calendar's: no day after it for the SQL)
    ("9999-12", {"dates": "9999-12", "implausible": "9999-12", "first": 2000, "last": 2099}),
    ("上账:..9999-12-31", {"dates": "..9999-12-31", "implausible": "9999-12-31", "first": 2000, "last": 2099}),
    ("1999-12-31..2026-01-01", {"dates": "1999-12-31..2026-01-01", "implausible": "1999-12-31", "first": 2000,
                                "last": 2099}),
])
def test_words_naming_nothing_are_refused_by_name(words: str, params: dict[str, object]) -> None:
    with pytest.raises(FilterWordsUnknown) as caught:
        parse(words)
    assert {k: v for k, v in caught.value.params.items() if v} == params


@pytest.mark.parametrize(("criterion", "typed", "want"), [
    ("deadline", "2026-11",
     Filter(level="重大隐患", deadline_from=date(2026, 11, 1), deadline_to=date(2026, 11, 30),
            registered_to=date(2020, 1, 1))),
    ("registered", "2026-11-01 至 2026-11-03",
     Filter(level="重大隐患", deadline_from=date(2020, 1, 1), registered_from=date(2026, 11, 1),
            registered_to=date(2026, 11, 3))),
])
def test_a_range_typed_after_its_button_replaces_only_that_criterion(criterion: str, typed: str, want: Filter) -> None:
    base = Filter(level="重大隐患", deadline_from=date(2020, 1, 1), registered_to=date(2020, 1, 1))
    assert parse_range(criterion, typed, base) == want


@pytest.mark.parametrize("typed", ["下个月", "next month", "2026-11-01 2026-11-30", "超期"])
def test_anything_but_one_range_typed_after_its_button_is_refused_as_a_date_range(typed: str) -> None:
    with pytest.raises(FilterWordsUnknown) as caught:
        parse_range("deadline", typed, Filter())
    assert caught.value.params["dates"] == typed


@pytest.mark.parametrize("words", ["超期 已销账", "overdue closed", "超期 待复查", "超期 待审核", "逾期 驳回", "超期 待销账"])
def test_overdue_with_a_state_no_overdue_hazard_has_is_refused_naming_the_state(words: str) -> None:
    with pytest.raises(FilterContradicts) as caught:
        parse(words)
    assert caught.value.params["state"] == parse(words.split()[1]).state


@pytest.mark.parametrize(("typed", "words", "asked"), [
    ("xlsx", "", True), ("超期 建外 XLSX", "超期 建外", True), ("导出，已销账", "已销账", True),
    ("超期 建外", "超期 建外", False), ("文字:xlsx", "文字:xlsx", False),
])
def test_the_export_word_is_taken_out_of_the_filter_words(typed: str, words: str, asked: bool) -> None:
    assert export_asked(typed) == (words, asked)
