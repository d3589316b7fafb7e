"""The 复查/验收记录 (Word) of a closed hazard, through the dispatcher on SQLite and PostgreSQL: it names the
re-inspectors as the re-inspection form recorded them (复查人员), not the person who pressed submit, and its
photo list holds the re-inspection's photos, the photos of the rectification report it checked (each with its
stage) and that report's acceptance document. The case file names the re-inspectors too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.domain import HazardState
from tests.chat_helpers import (
    SUBMIT,
    actor_of,
    bind_cast,
    card,
    hazard_row,
    open_first,
    reinspect_failed,
    reinspect_passed,
    report_rectification,
)
from tests.conftest import Harness
from tests.document_reading import docx_text, pdf_pages
from tests.inbox_helpers import documents
from tests.lifecycle_factories import hazard
from tests.rectify_chat import to_the_evidence_question

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

WHEN = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"


async def test_the_record_names_the_re_inspectors_answered_and_lists_every_photo(harness: Harness,
                                                                                  photos_dir: Path) -> None:
    h = harness
    inspector, reviewer, office = await bind_cast(h, {7701: "李检查", 7702: "王审核", 7703: "张办公室"})
    hid = await hazard(h.core.uow, await actor_of(h, inspector), state=HazardState.REGISTERED)
    number = (await hazard_row(h, hid)).ledger_number or ""

    await to_the_evidence_question(inspector)  # the rectification report: two photos after, and a document
    await inspector.photo(photos_dir / "landscape_1.jpg")
    await inspector.photo(photos_dir / "landscape_2.jpg")
    await inspector.file(b"acceptance: fire exits cleared\n", "fake.txt", "text/plain")
    await inspector.press("完成")
    await inspector.press(SUBMIT)

    await card(reviewer, number)  # the reviewer submits the re-inspection; those who went: abc
    await reinspect_passed(reviewer, "abc")
    await open_first(office, "/office")
    await office.press("销账")
    await office.press("跳过")
    await office.press("跳过")
    await office.press(SUBMIT)
    assert (await hazard_row(h, hid)).state == HazardState.CLOSED

    await card(office, number)
    before = len(h.session.requests)
    await office.press("复查/验收记录")
    [record] = documents(list[object](h.session.requests[before:]))
    text = docx_text(record.data)
    assert "复查（验收）人员 | abc" in text, text
    assert "王审核" not in text  # the submitter is no re-inspector
    listed = re.findall(r"^\d+\. (.+)$", text, flags=re.MULTILINE)
    assert len(listed) == 3, text
    assert all(re.fullmatch(rf"验收照片 · {WHEN}", line) for line in listed[:2]), listed
    assert listed[2] == "验收材料《fake.txt》"

    await card(office, number)
    before = len(h.session.requests)
    await office.press("一患一案")
    [case_file] = documents(list[object](h.session.requests[before:]))
    assert "复查人员abc" in "".join(pdf_pages(case_file.data))


async def test_a_report_made_again_after_a_failed_re_inspection_is_recorded_as_not_yet_checked(
        harness: Harness, photos_dir: Path) -> None:
    h = harness
    inspector, inspector2, office = await bind_cast(h, {7711: "李检查", 7712: "赵复查", 7713: "张办公室"})
    creator = await actor_of(h, inspector)
    hid = await hazard(h.core.uow, creator, state=HazardState.RECTIFIED, full_plan=True, rectified_by=creator)
    number = (await hazard_row(h, hid)).ledger_number or ""
    await open_first(inspector2, "/rectify")
    await reinspect_failed(inspector2, photos_dir / "landscape_2.jpg", who="钱现场")
    await open_first(inspector, "/rectify")
    await report_rectification(inspector, photos_dir / "landscape_1.jpg")

    await card(office, number)
    before = len(h.session.requests)
    await office.press("复查/验收记录")
    [record] = documents(list[object](h.session.requests[before:]))
    text = docx_text(record.data)
    # the failed re-inspection checked the earlier report: this one is not re-inspected yet
    assert "复查（验收）结果 | 整改完成，待复查" in text and "复查（验收）人员 | 李检查" in text, text
    assert "复查不合格" not in text and "钱现场" not in text
    [listed] = re.findall(r"^\d+\. (.+)$", text, flags=re.MULTILINE)  # the new report's photo only
    assert re.fullmatch(rf"验收照片 · {WHEN}", listed), text
