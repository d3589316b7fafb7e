"""Migration 0180 (a rectification's acceptance document in the project's file store) carries an old Telegram file
id over as a legacy reference with no stored bytes, and going down puts it back, on SQLite and PostgreSQL; a
document stored since keeps its name going down (it never had an id)."""

from __future__ import annotations

import asyncio

from sqlmodel import col, select

from storage.migrate import downgrade, upgrade
from storage.models_lifecycle import Rectification
from tests.db_inspect import Parts, execute, migration_goes_down_and_up, unit_of_work

AT = "2018-11-05 02:00:00"
_HAZARD = (
    "INSERT INTO hazard (draft_number, state, version, unit_id, district, township_code, township, site_name, address, "
    "person_in_charge, phone, entity_nature, occupant_count, source, description, category, subtype, level, "
    "illegal_building_nature, measures, reinspection_result, created_by, created_at, updated_at) "
    "SELECT 'D-0180', 'rectified', 1, u.id, '110105', '110105001', '建外街道', '张XX出租房', '建外街道1号', '张三', "
    f"'13800000000', '个人', 3, '自查', '楼道堆物', '消防安全', '其他', '一般隐患', '无', '清理', '未复查', a.id, "
    f"'{AT}', '{AT}' FROM unit u, app_user a WHERE u.code = 't-0180' AND a.address = '0180'"
)
_REPORT = ("INSERT INTO rectification (hazard_id, photo_ids, document_file_id, document_name, reported_by, "
           "reported_at) SELECT h.id, '[]', {doc}, {name}, h.created_by, '" + AT + "' FROM hazard h "
           "WHERE h.draft_number = 'D-0180'")
STORE_COLUMNS = {"document_key", "document_sha256", "document_size", "document_mime", "document_legacy_ref"}


async def _reports_with_telegram_ids(url: str) -> None:
    await execute(
        url,
        "INSERT INTO unit (code, name, kind, is_township) VALUES ('t-0180', '测试街道', '街道', TRUE)",
        "INSERT INTO app_user (channel, address, full_name, language, created_at) VALUES "
        f"('telegram', '0180', '李检查', 'zh-hans', '{AT}')",
        _HAZARD,
        _REPORT.format(doc="'BQACAgUAAxkBAAIBdoc'", name="'整改验收单.pdf'"),
        _REPORT.format(doc="NULL", name="NULL"),
    )


async def _the_ids_are_legacy_references(url: str, _: object) -> None:
    async with unit_of_work(url) as uow, uow() as u:
        rows = (await u.session.exec(select(Rectification).order_by(col(Rectification.id)))).all()
        assert [(r.document_name, r.document_legacy_ref, r.document_key, r.document_sha256) for r in rows] == [
            ("整改验收单.pdf", "BQACAgUAAxkBAAIBdoc", None, None), (None, None, None, None)]
        stored = rows[1]  # a document kept in the store since
        stored.document_name, stored.document_key, stored.document_sha256 = "验收.pdf", "ab/abcdef", "abcdef"
        stored.document_size, stored.document_mime = 6, "application/pdf"
        u.session.add(stored)
        await u.commit()


async def test_old_telegram_ids_become_legacy_references_and_come_back_down(database_url: str) -> None:
    # the revision below 0180, wherever the head is
    await migration_goes_down_and_up(
        database_url, "0180-1",
        added=Parts.of(columns={"rectification": STORE_COLUMNS}),
        removed=Parts.of(columns={"rectification": {"document_file_id"}}),
        kept=Parts.of(columns={"rectification": {"document_name"}}),
        seed=_reports_with_telegram_ids, check=_the_ids_are_legacy_references)
    await asyncio.to_thread(downgrade, database_url, "0180-1")
    back = await execute(database_url, "SELECT document_file_id, document_name FROM rectification ORDER BY id")
    assert back == [("BQACAgUAAxkBAAIBdoc", "整改验收单.pdf"), (None, "验收.pdf")]
    await asyncio.to_thread(upgrade, database_url)
