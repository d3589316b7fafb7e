"""The inbox of what units submit (issue 16 item 5), through the dispatcher on SQLite and PostgreSQL: a unit's
contact sends November's work information (text, a PDF and a Word file made here); in December the office finds
with /submissions which units have not sent it — exactly the units an SQL query over the same table names — and
what 朝外街道 sent, byte for byte; a typical case published reaches every unit contact's outbox; a month's export
is a zip of the index sheet and the files; a file too big or not a document is refused with the question again."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
from sqlalchemy import text
from sqlmodel import select

from bot.services import inbox_export
from storage.models import Unit
from storage.models_inbox import SubmissionFile
from storage.models_reminders import Contact, ReminderOutbox, WorkSubmission
from tests.chat_helpers import last_told, sent_to
from tests.image_factory import encode, scene
from tests.inbox_helpers import SHANGHAI, at_quarterly_summary, documents, inbox_harness, make_docx, make_pdf

NOVEMBER = datetime(2018, 11, 20, 10, 0, tzinfo=SHANGHAI)
DECEMBER = datetime(2018, 12, 7, 10, 0, tzinfo=SHANGHAI)
WORDS = "十一月工作信息：开展出租房屋专项检查12家次，发现隐患5处，已整改3处。\n第二段：下月计划。"


async def _send_november(h, moving):  # type: ignore[no-untyped-def]
    """朝外街道's contact sends the text, a PDF and a Word file in November; returns the chat and the bytes."""
    moving.at = NOVEMBER
    contact = await h.bind(9201, "contact", "朝外街道", "王联系")
    pdf, docx = make_pdf(), make_docx()
    await contact.say("/report_info")
    await contact.press("工作信息或典型案例")
    await contact.say(WORDS)
    assert "已收到2018-11的工作信息或典型案例" in contact.last_text()
    assert "（PDF、Word、Excel、PowerPoint、WPS、JPEG、PNG、TXT或照片" in contact.last_text()  # one list, 、 between
    await contact.file(pdf, "11月工作信息.pdf", "application/pdf")
    assert "目前共1个附件" in contact.last_text()
    await contact.file(docx, "典型案例.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert "目前共2个附件" in contact.last_text()
    await contact.say("/done")
    assert "已报送完毕" in contact.last_text()
    return contact, pdf, docx


async def test_the_office_reads_what_a_unit_sent_byte_for_byte_and_who_is_late(database_url: str, tmp_path: Path) -> None:
    async with inbox_harness(database_url, tmp_path, NOVEMBER) as (h, moving):
        _contact, pdf, docx = await _send_november(h, moving)
        moving.at = DECEMBER
        office = await h.bind(9202, "office", "区安委会办公室", "张办公室")
        await office.say("/start")
        assert "/submissions [年-月] [类型] [单位] — 各单位报送的材料及未报送单位" in office.last_text()
        await office.say("/submissions")  # early December: November is the month due
        listing = office.last_text()
        assert "报送材料 · 2018-11" in listing and "共1份" in listing and "朝外街道" in listing
        # no unit but 朝外 has begun: the others are counted apart as not started, as /status counts them
        assert "未报送2018-11的工作信息或典型案例" not in listing
        fresh = listing.split("尚未开始的单位（尚无任何记录或报送）：")[1]
        assert "建外街道" in fresh and "朝外街道" not in fresh
        await office.say("/submissions 2018-11 朝外街道")
        assert "报送材料 · 2018-11" in office.last_text() and "· 朝外街道" in office.last_text()
        sent = await office.press(1)  # the one submission
        texts = "\n".join(office.texts(sent))
        assert "朝外街道 · 工作信息或典型案例 · 2018-11" in texts and "王联系" in texts
        assert "开展出租房屋专项检查12家次" in texts and "第二段：下月计划。" in texts
        size = f"{len(pdf)} B" if len(pdf) < 1024 else f"{-(-len(pdf) // 1024)} KB"  # never "0 KB"
        assert f"1. 11月工作信息.pdf ({size})" in texts, texts
        files = documents(sent)
        assert [(f.filename, f.data) for f in files] == [("11月工作信息.pdf", pdf), ("典型案例.docx", docx)]
        # kept beside the photos, shared and backed up with them, but never among what the photo prune walks
        stored = {hashlib.sha256(pdf).hexdigest(), hashlib.sha256(docx).hexdigest()}
        assert stored == {e.key[3:] for e in await h.core.services.inbox.store.entries()}
        assert not stored & {e.key[3:] for e in await h.core.photo_store.entries()}


async def test_a_file_too_big_or_not_a_document_is_refused_with_the_question_again(database_url: str,
                                                                                    tmp_path: Path) -> None:
    async with inbox_harness(database_url, tmp_path, NOVEMBER) as (h, _moving):
        contact = await at_quarterly_summary(h, 9211)
        fetched_before = len(h.session.requests)
        await contact.file(b"x" * 1024, "总结.pdf", "application/pdf", size=25 * 2**20)  # declared 25 MB
        said = contact.last_text()
        assert "该文件为25.0 MB，机器人最多只能接收20 MB" in said and "请现在发送建外街道的季度工作总结" in said
        assert not any(type(m).__name__ == "GetFile" for m in h.session.requests[fetched_before:])  # never fetched
        await contact.file(b"\x7fELF\x02\x01\x01" + b"\0" * 200, "总结.pdf", "application/pdf")
        assert "该文件未被接收" in contact.last_text() and "请现在发送建外街道的季度工作总结" in contact.last_text()
        zipped = io.BytesIO()
        with zipfile.ZipFile(zipped, "w") as z:
            z.writestr("payload.exe", b"MZ" + b"\0" * 100)
        await contact.file(zipped.getvalue(), "总结.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        assert "该文件未被接收" in contact.last_text()
        async with h.core.uow() as u:
            assert (await u.session.exec(select(WorkSubmission))).all() == []
        await contact.say("第三季度工作总结正文")
        await contact.file(b"MZ\x90\x00" + bytes(range(256)), "附件.doc", "application/msword")
        assert "该文件未被接收" in contact.last_text() and "现在可以继续发送补充文字或附件" in contact.last_text()
        await contact.file(make_pdf("Q4 summary"), "总结.pdf", "application/pdf")
        assert "目前共1个附件" in contact.last_text()
        photo = encode(scene(), "JPEG")
        await contact.photo(photo)  # a photo sent as a photo: kept as the JPEG Telegram serves
        assert "目前共2个附件" in contact.last_text()
        async with h.core.uow() as u:
            [row] = (await u.session.exec(select(WorkSubmission))).all()
            files = (await u.session.exec(select(SubmissionFile).order_by(SubmissionFile.position))).all()  # type: ignore[arg-type]
        assert (row.kind, row.period, row.text) == ("summary", "2018-Q4", "第三季度工作总结正文")
        assert [(f.name, f.mime) for f in files] == [("总结.pdf", "application/pdf"), ("photo.jpg", "image/jpeg")]
        assert await h.core.services.inbox.store.get(files[1].store_key) == photo


async def test_late_units_are_exactly_those_an_sql_query_finds(database_url: str, tmp_path: Path) -> None:
    async with inbox_harness(database_url, tmp_path, DECEMBER) as (h, _moving):
        async with h.core.uow() as u:
            units = (await u.session.exec(select(Unit).order_by(Unit.id))).all()
            nov = datetime(2018, 11, 12, 9, tzinfo=SHANGHAI)
            for i, unit in enumerate(units):
                if i % 3 == 0:  # sent November's work information
                    u.session.add(WorkSubmission(unit_id=unit.id, kind="work_info", period="2018-11", text=f"信息{i}",
                                                 submitted_at=nov))
                elif i % 3 == 1:  # sent something else: October's information, a summary
                    u.session.add(WorkSubmission(unit_id=unit.id, kind="work_info", period="2018-10", text="十月",
                                                 submitted_at=datetime(2018, 10, 29, 9, tzinfo=SHANGHAI)))
                    u.session.add(WorkSubmission(unit_id=unit.id, kind="summary", period="2018-Q4", text="总结",
                                                 submitted_at=nov))
            await u.commit()
        owing = ("SELECT name FROM unit WHERE code NOT IN ('dept-01', 'dept-33', 'dept-34', 'dept-35') AND id NOT IN "
                 "(SELECT unit_id FROM work_submission WHERE kind = 'work_info' AND period = '2018-11') AND id {} "
                 "(SELECT unit_id FROM work_submission) ORDER BY id")  # units without duties owe none
        async with h.core.engine.connect() as conn:  # late: they reported before; not started: never anything
            expected = [name for (name,) in (await conn.execute(text(owing.format("IN")))).all()]
            fresh = [name for (name,) in (await conn.execute(text(owing.format("NOT IN")))).all()]
        office = await h.bind(9221, "office", "区安委会办公室")
        await office.say("/submissions 2018-11 工作信息")
        said = office.last_text()
        head = f"未报送2018-11的工作信息或典型案例（截止2018-11-30，已逾期）：{len(expected)}个单位："
        assert head in said
        assert said.split(head)[1].strip().split("\n")[0].split("、") == expected
        assert f"尚未开始的单位（尚无任何记录或报送）：{len(fresh)} 个（" in said and fresh[0] in said
        assert f"共{len(units[::3])}份" in said
        await office.press("下一页")  # the shared pager pages the month's submissions
        pressed = [b.text for b in office.buttons()]
        assert f"第 2/{-(-len(units[::3]) // 10)} 页" in pressed and pressed[0].startswith("11.")
        assert head in office.last_text()  # the late units stay under every page
        # /status counts the same units not started: those with hazard duties, who owe every report
        await office.say("/status")
        everyone = int(office.last_text().split("尚未开始的单位（尚无任何记录或报送）：")[1].split(" 个")[0])
        assert everyone == len(fresh), office.last_text()


async def test_a_published_typical_case_reaches_every_unit_contacts_outbox(database_url: str, tmp_path: Path) -> None:
    async with inbox_harness(database_url, tmp_path, NOVEMBER) as (h, moving):
        contact, pdf, _docx = await _send_november(h, moving)
        others = [await h.bind(9231, "contact", "建外街道", "赵联系"), await h.bind(9232, "contact", "区房管局", "钱联系")]
        registry_only = h.chat(9233, "孙联系")
        await registry_only.say("/start")
        inspector = await h.bind(9234, "inspector", "建外街道", "周检查")
        async with h.core.uow() as u:
            from storage.models import User

            uid = (await u.session.exec(select(User.id).where(User.address == "9233"))).one()
            unit = (await u.session.exec(select(Unit.id).where(Unit.name == "麦子店街道"))).one()
            u.session.add(Contact(unit_id=unit, role="contact", name="孙联系", mobile="13901230000", user_id=uid))
            await u.commit()
        office = await h.bind(9235, "office", "区安委会办公室")
        await office.say("/submissions 2018-11")
        await office.press(1)
        await office.press("标记为典型案例")
        assert "典型案例（尚未发布）" in office.last_text()
        await office.press("发布至各单位联系人")
        assert "已通过发送队列发布给4位联系人" in office.last_text()
        await office.press_button(office.latest_button("发布至各单位联系人"))  # a double tap tells nobody twice
        async with h.core.uow() as u:
            rows = (await u.session.exec(select(ReminderOutbox).where(ReminderOutbox.rule == "notice.typical_case"))).all()
        chats = sorted(int(r.address) for r in rows)
        assert chats == [9201, 9231, 9232, 9233]
        for chat in (contact, *others, registry_only):
            assert any("【典型案例】朝外街道：工作信息或典型案例（2018-11）" in t for t in sent_to(h, chat))
        assert not any("典型案例" in t for t in sent_to(h, inspector))
        got = await others[1].press_button(others[1].latest_button("查看典型案例"))  # another unit reads it
        assert pdf in [f.data for f in documents(got)]


async def test_a_months_export_is_a_zip_of_the_index_and_the_files(database_url: str, tmp_path: Path,
                                                                   monkeypatch) -> None:  # type: ignore[no-untyped-def]
    async with inbox_harness(database_url, tmp_path, NOVEMBER) as (h, moving):
        _contact, pdf, docx = await _send_november(h, moving)
        async with h.core.uow() as u:  # a file sent before the store existed (migration 0160)
            sub = (await u.session.exec(select(WorkSubmission))).one()
            u.session.add(SubmissionFile(submission_id=sub.id, position=2, role="photo", name="", legacy_ref="AgACold"))
            await u.commit()
        moving.at = DECEMBER
        office = await h.bind(9241, "office", "区安委会办公室")
        await office.say("/submissions 2018-11")
        opened = office.texts(await office.press(1))
        assert "3. 照片：尚未存储——在机器人保存文件之前报送，仅留有Telegram文件编号，无法在此取回" in opened[0]
        await office.say("/submissions 2018-11")
        sent = await office.press("导出压缩包")
        [zipped] = documents(sent)
        assert zipped.filename == "submissions-2018-11.zip"
        with zipfile.ZipFile(io.BytesIO(zipped.data)) as z:
            names = z.namelist()
            assert names[0] == "index.xlsx"
            assert z.read(f"朝外街道/{sub.id}-1-11月工作信息.pdf") == pdf
            assert z.read(f"朝外街道/{sub.id}-2-典型案例.docx") == docx
            sheet = openpyxl.load_workbook(io.BytesIO(z.read("index.xlsx"))).active
        rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=4)]  # type: ignore[union-attr]
        assert len(rows) == 1
        number, unit, kind, period, when, title, files, typical, body = rows[0]
        assert (unit, kind, period, when[:10], typical) == ("朝外街道", "工作信息或典型案例", "2018-11", "2018-11-20", "否")
        assert title.startswith("十一月工作信息") and body == WORDS
        assert files.split("\n") == [f"朝外街道/{sub.id}-1-11月工作信息.pdf", f"朝外街道/{sub.id}-2-典型案例.docx",
                                     "photo：尚未存储（在机器人保存文件之前报送）"]
        # too big for one upload: split in parts, the index in the first; too big for the parts: refused clearly
        monkeypatch.setattr(inbox_export, "PART_LIMIT", len(pdf) + 1024)
        sent = await office.press_button(office.latest_button("导出压缩包（索引表+附件）"))
        parts = documents(sent)
        assert [p.filename for p in parts] == ["submissions-2018-11-1of2.zip", "submissions-2018-11-2of2.zip"]
        with zipfile.ZipFile(io.BytesIO(parts[1].data)) as z:
            assert z.namelist() == [f"朝外街道/{sub.id}-2-典型案例.docx"] and z.read(z.namelist()[0]) == docx
        monkeypatch.setattr(inbox_export, "MAX_PARTS", 1)
        sent = await office.press_button(office.latest_button("导出压缩包（索引表+附件）"))
        assert documents(sent) == [] and "请按单位或类型缩小范围" in office.last_text()


async def test_only_the_office_reads_the_inbox(database_url: str, tmp_path: Path) -> None:
    async with inbox_harness(database_url, tmp_path, NOVEMBER) as (h, moving):
        await _send_november(h, moving)
        inspector = await h.bind(9251, "inspector", "建外街道")
        await inspector.say("/submissions")
        assert "无权" in inspector.last_text()
        async with h.core.uow() as u:
            sid = (await u.session.exec(select(WorkSubmission.id))).one()
        from handlers.inbox import InboxCb

        forged = InboxCb(a="o", i=sid).pack()  # another unit's unpublished submission
        sent = await inspector._feed(h.factory.callback(inspector.user, inspector._message_for(None), forged))
        assert documents(sent) == [] and "不在您的权限范围" in last_told(inspector)


async def test_a_long_text_is_shown_whole_across_messages(database_url: str, tmp_path: Path) -> None:
    async with inbox_harness(database_url, tmp_path, DECEMBER) as (h, _moving):
        body = "".join(f"第{i}段：检查<出租房屋>&整改情况。" for i in range(400))[:8000]
        async with h.core.uow() as u:
            unit = (await u.session.exec(select(Unit.id).where(Unit.name == "朝外街道"))).one()
            u.session.add(WorkSubmission(unit_id=unit, kind="summary", period="2018-Q4", text=body,
                                         submitted_at=datetime(2018, 12, 3, 9, tzinfo=SHANGHAI)))
            await u.commit()
        office = await h.bind(9261, "office", "区安委会办公室")
        await office.say("/submissions 2018-12 总结")
        shown = office.texts(await office.press(1))
        assert len(shown) == 5 and shown[0].startswith("朝外街道 · 季度工作总结 · 2018-Q4")
        assert "".join(shown[1:]) == body


async def test_a_report_sent_early_in_a_month_for_the_month_before_counts_for_that_month(
    database_url: str, tmp_path: Path
) -> None:
    async with inbox_harness(database_url, tmp_path, datetime(2018, 12, 3, 9, 0, tzinfo=SHANGHAI)) as (h, moving):
        contact = await h.bind(9301, "contact", "建外街道", "李联系")
        await contact.say("/report_info")
        await contact.press("工作信息或典型案例")
        await contact.say("十一月工作信息（迟报）")
        assert "已收到2018-11的工作信息或典型案例" in contact.last_text(), contact.last_text()  # late, but November's
        await contact.say("/done")
        await contact.say("/report_info")
        await contact.press("工作信息或典型案例")
        await contact.say("十二月工作信息")
        assert "已收到2018-12的工作信息或典型案例" in contact.last_text(), contact.last_text()  # November is filed
        await contact.say("/done")
        moving.at = datetime(2019, 1, 20, 9, 0, tzinfo=SHANGHAI)  # well into January: January's, whatever is owed
        await contact.say("/report_info")
        await contact.press("工作信息或典型案例")
        await contact.say("一月工作信息")
        assert "已收到2019-01的工作信息或典型案例" in contact.last_text(), contact.last_text()


async def test_a_district_leader_reads_every_units_submissions_and_changes_nothing(database_url: str,
                                                                                   tmp_path: Path) -> None:
    """A leader of a district-level unit (区安监局, kind 区级部门) has /submissions in /help and the menu and reads
    every unit's, without the office's buttons (a forged mark is refused); a township's leader and an inspector
    have no /submissions, and the township's leader opens only their own unit's."""
    from aiogram.methods import SetMyCommands

    from handlers.inbox import InboxCb

    async with inbox_harness(database_url, tmp_path, NOVEMBER) as (h, moving):
        await _send_november(h, moving)
        moving.at = DECEMBER
        leader = await h.bind(9291, "leader", "区安监局", "赵局长")
        await leader.say("/help")
        assert "/submissions [年-月] [类型] [单位]" in leader.last_text()
        menu = [m for m in h.session.sent(SetMyCommands) if getattr(m.scope, "chat_id", None) == 9291][-1]
        assert "submissions" in {c.command for c in menu.commands}
        await leader.say("/submissions 2018-11")
        assert "报送材料 · 2018-11" in leader.last_text() and "共1份" in leader.last_text()
        assert "朝外街道" in leader.last_text()
        sent = await leader.press(1)
        assert "开展出租房屋专项检查12家次" in "\n".join(leader.texts(sent)) and len(documents(sent)) == 2
        assert {b.text for b in leader.buttons()} == {"◀ 返回列表"}  # the office's mark and publish are not offered
        async with h.core.uow() as u:
            sid = (await u.session.exec(select(WorkSubmission.id))).one()
        forged = InboxCb(a="t", i=sid).pack()
        await leader._feed(h.factory.callback(leader.user, leader._message_for(None), forged))
        assert "无权" in last_told(leader)
        async with h.core.uow() as u:
            assert (await u.session.get(WorkSubmission, sid)).typical_at is None  # type: ignore[union-attr]

        for user_id, role, unit in ((9292, "leader", "建外街道"), (9293, "inspector", "区安监局")):
            other = await h.bind(user_id, role, unit)
            await other.say("/help")
            assert "/submissions" not in other.last_text(), role
            await other.say("/submissions")
            assert "无权" in other.last_text(), role
            sent = await other._feed(h.factory.callback(other.user, other._message_for(None),
                                                        InboxCb(a="o", i=sid).pack()))
            assert documents(sent) == [] and "不在您的权限范围" in last_told(other), role
        own = await h.bind(9294, "leader", "朝外街道")
        sent = await own._feed(h.factory.callback(own.user, own._message_for(None), InboxCb(a="o", i=sid).pack()))
        assert len(documents(sent)) == 2
