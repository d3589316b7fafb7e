"""Every form in ``config/forms/`` can be submitted (a registered submitter) and every submitter has its form;
the engine's own rules for the fields the life-cycle forms brought (hidden values, documents)."""

from __future__ import annotations

from importlib import resources

from bot.forms.actions import StoredDocument
from bot.forms.engine import FormWalk
from bot.forms.spec import load_form
from bot.services.form_submitters import SUBMITTERS
from bot.services.lifecycle_service import Document


def test_forms_and_submitters_match_one_to_one() -> None:
    files = {p.name.removesuffix(".toml") for p in (resources.files("config") / "forms").iterdir()
             if p.name.endswith(".toml")}
    assert files == set(SUBMITTERS)
    for key in SUBMITTERS:
        assert load_form(key).key == key


def test_a_hidden_level_decides_what_is_asked_and_is_submitted_but_never_asked() -> None:
    walk = FormWalk(load_form("five_implementations"))
    general = walk.start({"level": "一般隐患", "registered": "no"})
    assert [f.key for f in walk.applicable(general.data)] == ["responsibility", "measures", "deadline"]
    assert general.step == "responsibility"
    major = walk.start({"level": "重大隐患", "registered": "no"})
    assert [f.key for f in walk.applicable(major.data)] == [
        "responsibility", "measures", "funds", "deadline", "contingency_plan"]
    assert walk.clean(major.data)["level"] == "重大隐患"
    # on the ledger the deadline is the approved one: only an extension request moves it (方案 四(三))
    registered = walk.start({"level": "重大隐患", "registered": "yes"})
    assert [f.key for f in walk.applicable(registered.data)] == [
        "responsibility", "measures", "funds", "contingency_plan"]


def test_a_document_alone_answers_the_evidence_question() -> None:
    walk = FormWalk(load_form("rectification"))
    state = walk.start({"level": "一般隐患"})
    state.step = "evidence"
    assert [f.key for f in walk.missing(state)] == ["evidence"]
    state.data["evidence_document"] = ["ab/abcd", "验收单.pdf", "abcd", 10, "application/pdf"]
    assert walk.missing(state) == []
    walk.finish_step(state)
    assert state.step is None and walk.clean(state.data)["evidence_document"] == [
        "ab/abcd", "验收单.pdf", "abcd", 10, "application/pdf"]


def test_the_document_answer_is_read_as_stored_and_an_old_drafts_as_a_legacy_reference() -> None:
    stored = StoredDocument("ab/abcd", "abcd", 10, "application/pdf", "验收单.pdf")
    assert Document.from_answer(stored.as_answer()) == Document("验收单.pdf", stored=stored)
    # a form left open across migration 0180 holds [Telegram file id, name]: kept as 0180 keeps old rows
    assert Document.from_answer(["BQACdoc", "验收单.pdf"]) == Document("验收单.pdf", legacy_ref="BQACdoc")
    assert Document.from_answer(None) is None
