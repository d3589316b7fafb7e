"""Migration 0180 (a rectification's acceptance document in the project's file store) carries an old Telegram file
id over as a legacy reference with no stored bytes, and going down puts it back, on SQLite and PostgreSQL; a
document stored since keeps its name going down (it never had an id)."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlalchemy import inspect
from sqlmodel import col, select

from storage.db import create_engine, make_uow_factory
from storage.migrate import downgrade, upgrade
from storage.models_lifecycle import Rectification


async def _columns(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda c: {col["name"] for col in inspect(c).get_columns("rectification")})
    finally:
        await engine.dispose()


async def _execute(url: str, *statements: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            rows: list[tuple[object, ...]] = []
            for sql in statements:
                result = await conn.execute(sa.text(sql))
                if result.returns_rows:
                    rows = [tuple(r) for r in result.all()]
            return rows
    finally:
        await engine.dispose()


_HAZARD = (
    "INSERT INTO hazard (draft_number, state, version, unit_id, district, township_code, township, site_name, address, "
    "person_in_charge, phone, entity_nature, occupant_count, source, description, category, subtype, level, "
    "illegal_building_nature, measures, reinspection_result, created_by, created_at, updated_at) "
    "SELECT 'D-0180', 'rectified', 1, u.id, '110105', '110105001', '建外街道', '张XX出租房', '建外街道1号', '张三', "
    "'13800000000', '个人', 3, '自查', '楼道堆物', '消防安全', '其他', '一般隐患', '无', '清理', '未复查', a.id, "
    "'{at}', '{at}' FROM unit u, app_user a WHERE u.code = 't-0180' AND a.address = '0180'"
)


async def test_old_telegram_ids_become_legacy_references_and_come_back_down(database_url: str) -> None:
    await asyncio.to_thread(downgrade, database_url, "0180-1")  # the revision below 0180, wherever the head is
    columns = await _columns(database_url)
    assert "document_file_id" in columns and "document_key" not in columns and "document_legacy_ref" not in columns
    at = "2018-11-05 02:00:00"
    rect = ("INSERT INTO rectification (hazard_id, photo_ids, document_file_id, document_name, reported_by, "
            "reported_at) SELECT h.id, '[]', {doc}, {name}, h.created_by, '{at}' FROM hazard h WHERE h.draft_number = "
            "'D-0180'")
    await _execute(
        database_url,
        "INSERT INTO unit (code, name, kind, is_township) VALUES ('t-0180', '测试街道', '街道', TRUE)",
        f"INSERT INTO app_user (channel, address, full_name, language, created_at) VALUES "
        f"('telegram', '0180', '李检查', 'zh-hans', '{at}')",
        _HAZARD.format(at=at),
        rect.format(doc="'BQACAgUAAxkBAAIBdoc'", name="'整改验收单.pdf'", at=at),
        rect.format(doc="NULL", name="NULL", at=at),
    )
    await asyncio.to_thread(upgrade, database_url)
    columns = await _columns(database_url)
    assert "document_file_id" not in columns
    assert {"document_key", "document_sha256", "document_size", "document_mime", "document_legacy_ref"} <= columns
    engine = create_engine(database_url)
    try:
        uow = make_uow_factory(engine)
        async with uow() as u:
            rows = (await u.session.exec(select(Rectification).order_by(col(Rectification.id)))).all()
            assert [(r.document_name, r.document_legacy_ref, r.document_key, r.document_sha256) for r in rows] == [
                ("整改验收单.pdf", "BQACAgUAAxkBAAIBdoc", None, None), (None, None, None, None)]
            stored = rows[1]  # a document kept in the store since
            stored.document_name, stored.document_key, stored.document_sha256 = "验收.pdf", "ab/abcdef", "abcdef"
            stored.document_size, stored.document_mime = 6, "application/pdf"
            u.session.add(stored)
            await u.commit()
    finally:
        await engine.dispose()
    await asyncio.to_thread(downgrade, database_url, "0180-1")
    back = await _execute(database_url, "SELECT document_file_id, document_name FROM rectification ORDER BY id")
    assert back == [("BQACAgUAAxkBAAIBdoc", "整改验收单.pdf"), (None, "验收.pdf")]
    assert "document_key" not in await _columns(database_url)
    await asyncio.to_thread(upgrade, database_url)
